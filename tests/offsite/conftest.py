"""Personas for 异地就医备案: the three cities' agencies, insured persons, a unit, a hospital.

Persons and periods are written directly (factories arrange; the services under
test act). ``apply_and_complete`` takes an application through the case engine
to 办结 the way a window clerk does.
"""

from __future__ import annotations

import datetime

import factory
import pytest

from tests.factories import AgencyFactory, PersonAccountFactory, StaffFactory, UnitAccountFactory
from yibao import clock
from yibao.agencies.models import Region
from yibao.cases import lifecycle
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.models import CaseStatus
from yibao.cases.services import Upload, accept_case, advance_case, submit_case
from yibao.catalog.models import Item
from yibao.enrollment.models import InsurancePeriod, Person, Unit
from yibao.ids import make_resident_id, make_uscc

PDF = b"%PDF-1.4\n% a scan\n"
TODAY = datetime.date(2026, 3, 2)
CITY_CODES = {"taiyuan": "140100", "changzhi": "140400", "jincheng": "140500"}


def current_item(city, key):
    return Item.objects.select_related("version__region", "category").get(
        version__region__slug=city, version__is_current=True, key=key)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(lambda n: make_resident_id(f"140105195{n % 10}0101{n % 1000:03d}"))
    name = factory.Sequence(lambda n: f"参保人{n}")
    sex = "1"
    birth_date = datetime.date(1955, 1, 1)
    phone = "13900000000"


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsurancePeriod

    person = factory.SubFactory(PersonFactory)
    insurance_type = "310"
    status = "1"
    category = "retired"
    home_agency = factory.LazyAttribute(lambda o: o.person.home_agency)
    start_date = datetime.date(2010, 1, 1)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    uscc = factory.Sequence(lambda n: make_uscc(f"91140100MA{n % 10_000_000:07d}"))
    name = factory.Sequence(lambda n: f"太原示例{n}有限公司")
    unit_type = "企业"
    registered_on = datetime.date(2010, 1, 1)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Every service and the case engine see the same day."""

    monkeypatch.setattr(clock, "_fixed", clock.at_noon(TODAY))
    return TODAY


@pytest.fixture
def regions(catalog):
    return {slug: Region.objects.get(slug=slug) for slug in CITY_CODES}


@pytest.fixture
def agencies(regions):
    return {slug: AgencyFactory(region=regions[slug], code=code, slug=f"{slug}-city", level="city",
                                name=f"{regions[slug].name}医疗保险事务中心")
            for slug, code in CITY_CODES.items()}


@pytest.fixture
def clerks(agencies):
    """One clerk per city who may accept and review (these items are 即时办结)."""
    return {slug: StaffFactory(agency=agency, roles=["accept", "review"]) for slug, agency in agencies.items()}


def insured(agency, *, insurance_type="310", category="retired", unit=None, name=None, account=False):
    """A person insured in the agency's region, with an online account when ``account``."""
    kwargs = {"name": name} if name else {}
    person = PersonFactory(region=agency.region, home_agency=agency, **kwargs)
    PeriodFactory(person=person, insurance_type=insurance_type, category=category, unit=unit)
    if account:
        PersonAccountFactory(id_number=person.id_number, name=person.name, phone=person.phone)
    return person


@pytest.fixture
def make_insured(agencies):
    def make(city="taiyuan", **kwargs):
        return insured(agencies[city], **kwargs)
    return make


@pytest.fixture
def unit(agencies):
    account = UnitAccountFactory(uscc=make_uscc("91140100MA0K00001"), name="太原示例建设有限公司")
    record = UnitFactory(uscc=account.uscc, name=account.name, region=agencies["taiyuan"].region,
                         home_agency=agencies["taiyuan"])
    return record, account


def uploads_for(item, situation, applicant_kind="person", skip=()):
    parsed = Situation.model_validate({**situation, "applicant_kind": applicant_kind})
    return {line.position: [Upload(f"{line.position}.pdf", PDF)]
            for line in compute_checklist(item.data, parsed) if line.position not in skip}


def submit(item, person, form_data, *, situation=None, applicant_kind="person", applicant=None,
           uploads=None, commitments=frozenset(), channel="online_hall", user=None):
    situation = situation or {}
    if applicant is None:
        applicant = (person.name, person.id_number)
    return submit_case(
        item=item, applicant_kind=applicant_kind, applicant_name=applicant[0], applicant_id_number=applicant[1],
        applicant_phone="13912345678", channel=channel, situation=situation, form_data=form_data,
        uploads=uploads if uploads is not None else uploads_for(item, situation, applicant_kind),
        commitments=commitments, applicant_user=user,
    )


def complete(case, clerk):
    """受理, then every further step of the item up to 办结."""
    case = accept_case(case=case, staff=clerk)
    while case.status != CaseStatus.COMPLETED:
        step = lifecycle.next_step(case.steps, case.status)
        case = advance_case(case=case, staff=clerk, action=step.action, opinion="同意")
    return case


def apply_and_complete(item, person, form_data, clerk, **kwargs):
    return complete(submit(item, person, form_data, **kwargs), clerk)
