"""Personas for 转移接续: the three cities' agencies and clerks, and 王建国, an employee
who worked in Taiyuan (suspended there, ¥1,234.56 in his account) and now works in Jincheng.

Persons, periods and contributions are written directly (factories arrange); the
services and the case engine under test act.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
import pytest

from tests.factories import AgencyFactory, StaffFactory
from yibao import clock
from yibao.agencies.models import Region
from yibao.cases import lifecycle
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.models import CaseStatus
from yibao.cases.services import Upload, accept_case, advance_case, submit_case
from yibao.catalog.models import Item
from yibao.enrollment.models import Contribution, InsurancePeriod, Person, PersonalAccount
from yibao.ids import make_resident_id

PDF = b"%PDF-1.4\n% a scan\n"
TODAY = datetime.date(2026, 3, 2)  # a Monday
CITY_CODES = {"taiyuan": "140100", "changzhi": "140400", "jincheng": "140500"}
BALANCE = Decimal("1234.56")


def current_item(city, key):
    return Item.objects.select_related("version__region", "category").get(
        version__region__slug=city, version__is_current=True, key=key)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(lambda n: make_resident_id(f"140105198{n % 10}0101{n % 1000:03d}"))
    name = factory.Sequence(lambda n: f"参保人{n}")
    sex = "1"
    birth_date = datetime.date(1985, 1, 1)
    phone = "13900000000"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """Every service and the case engine see the same day."""

    monkeypatch.setattr(clock, "_fixed", clock.at_noon(TODAY))
    monkeypatch.delenv("YIBAO_TRANSFER_PEERS", raising=False)
    monkeypatch.delenv("YIBAO_INSTANCE_CODE", raising=False)
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
    """clerks[city][role]: 受理, 审核 (a different person: two-person rule) and 拨付 per city."""
    return {slug: {"accept": StaffFactory(agency=agency, roles=["accept"]),
                   "review": StaffFactory(agency=agency, roles=["review"]),
                   "pay": StaffFactory(agency=agency, roles=["pay"])}
            for slug, agency in agencies.items()}


def make_employee(agencies, *, out_city="taiyuan", in_city="jincheng", suspended=True, insured_in=True,
                  balance=BALANCE, scheme="310", name="王建国"):
    """A person insured in ``out_city`` 2020-01 … 2026-01 (suspended or not) and now in ``in_city``."""
    out_agency = agencies[out_city]
    person = PersonFactory(name=name, region=out_agency.region, home_agency=out_agency)
    InsurancePeriod.objects.create(
        person=person, insurance_type=scheme, status="2" if suspended else "1", category="employed",
        home_agency=out_agency, start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2026, 1, 31) if suspended else None, stop_reason="解除劳动关系" if suspended else "")
    for year, months in ((2024, 12), (2025, 12), (2026, 1)):
        for month in range(1, months + 1):
            Contribution.objects.create(person=person, month=datetime.date(year, month, 1), insurance_type=scheme,
                                        base=Decimal("5000"), unit_part=Decimal("400"), personal_part=Decimal("100"),
                                        paid=True)
    if scheme == "310":
        PersonalAccount.objects.create(person=person, balance=balance)
    if insured_in:
        InsurancePeriod.objects.create(person=person, insurance_type=scheme, status="1", category="employed",
                                       home_agency=agencies[in_city], start_date=datetime.date(2026, 2, 1))
    return person


@pytest.fixture
def employee(agencies):
    return make_employee(agencies)


def uploads_for(item, situation=None):
    parsed = Situation.model_validate({**(situation or {}), "applicant_kind": "person"})
    return {line.position: [Upload(f"{line.position}.pdf", PDF)] for line in compute_checklist(item.data, parsed)}


def submit(item, person, form_data, *, channel="online_hall", staff=None):
    return submit_case(item=item, applicant_kind="person", applicant_name=person.name,
                       applicant_id_number=person.id_number, applicant_phone="13912345678", channel=channel,
                       situation={}, form_data=form_data, uploads=uploads_for(item), staff=staff)


def step(case, clerk, action=None):
    """Do the case's next step (受理 or the next one) as ``clerk``."""
    if case.status == CaseStatus.SUBMITTED:
        return accept_case(case=case, staff=clerk)
    next_step = lifecycle.next_step(case.steps, case.status)
    return advance_case(case=case, staff=clerk, action=action or next_step.action, opinion="同意")
