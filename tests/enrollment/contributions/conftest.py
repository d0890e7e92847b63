"""Personas for contributions, the 报盘 and personal accounts.

Taiyuan (太原市, 140100) and Changzhi (长治市, 140400), each with its city
agency, where every record of these tests belongs. Each agency has a clerk per
role (accept, review, pay) plus a second reviewer and a second payer. A unit
(「晋阳机械有限公司」, Taiyuan, 企业) employs people through factories; the
handlers' ``today()`` is fixed with ``on_day``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
import pytest

from tests.factories import AgencyFactory, StaffFactory, UnitAccountFactory
from yibao.agencies.models import Region
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.services import Upload, submit_case
from yibao.catalog.models import Item
from yibao.enrollment.models import (
    BaseDeclaration,
    IdType,
    InsurancePeriod,
    InsuranceStatus,
    Person,
    PersonalAccount,
    PersonCategory,
    Unit,
    UnitType,
)
from yibao.ids import make_resident_id, make_uscc

PDF = b"%PDF-1.4\n% a scan\n"
TODAY = datetime.date(2026, 11, 20)


def current_item(city: str, key: str) -> Item:
    return Item.objects.select_related("version__region", "category").get(
        version__region__slug=city, version__is_current=True, key=key)


class PersonFactory(factory.django.DjangoModelFactory):
    """An enrollment record; pass region and home_agency."""

    class Meta:
        model = Person

    id_type = IdType.RESIDENT_ID
    id_number = factory.Sequence(lambda n: make_resident_id(f"140105{1970 + n % 40}0203{n % 1000:03d}"))
    name = factory.Sequence(lambda n: f"职工{n}")
    sex = "1"
    birth_date = factory.LazyAttribute(
        lambda o: datetime.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14])))
    phone = "13900000002"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    uscc = factory.Sequence(lambda n: make_uscc(f"91140100MB{n % 10_000_000:07d}"))
    name = factory.Sequence(lambda n: f"晋阳机械{n}有限公司")
    unit_type = UnitType.ENTERPRISE
    registered_on = datetime.date(2020, 1, 1)
    contact_phone = "0351-7654321"


@pytest.fixture
def regions(catalog):
    return {slug: Region.objects.get(slug=slug) for slug in ("taiyuan", "changzhi")}


@pytest.fixture
def agencies(regions):
    return {
        "taiyuan": AgencyFactory(region=regions["taiyuan"], code="140100", slug="ty-city",
                                 name="太原市医疗保障事务中心", level="city"),
        "changzhi": AgencyFactory(region=regions["changzhi"], code="140400", slug="cz-city",
                                  name="长治市医疗保障事务中心", level="city"),
    }


@pytest.fixture
def staff(agencies):
    """staff[city][role]: accept, review, review2, pay, pay2."""
    return {
        city: {
            "accept": StaffFactory(agency=agency, roles=["accept"]),
            "review": StaffFactory(agency=agency, roles=["review"]),
            "review2": StaffFactory(agency=agency, roles=["review"]),
            "pay": StaffFactory(agency=agency, roles=["pay"]),
            "pay2": StaffFactory(agency=agency, roles=["pay"]),
        }
        for city, agency in agencies.items()
    }


@pytest.fixture
def unit(agencies):
    agency = agencies["taiyuan"]
    return UnitFactory(region=agency.region, home_agency=agency, name="晋阳机械有限公司")


@pytest.fixture
def unit_login(unit):
    return UnitAccountFactory(uscc=unit.uscc, name=unit.name)


@pytest.fixture
def make_person(agencies):
    def make(*, city: str = "taiyuan", **kwargs) -> Person:
        agency = agencies[city]
        return PersonFactory(region=agency.region, home_agency=agency, **kwargs)

    return make


@pytest.fixture
def employ(make_person):
    """employ(unit, name=…, base=…, balance=…): an active 310 employee with a personal account."""

    def make(unit: Unit, *, base: Decimal | None = None, year: int = 2026, balance: Decimal = Decimal("0.00"),
             category: str = PersonCategory.EMPLOYED, **kwargs) -> Person:
        person = make_person(city=unit.region.slug, **kwargs)
        InsurancePeriod.objects.create(person=person, insurance_type="310", status=InsuranceStatus.INSURED,
                                       category=category, unit=unit, home_agency=unit.home_agency,
                                       start_date=datetime.date(2020, 1, 1))
        PersonalAccount.objects.create(person=person, balance=balance)
        if base is not None:
            BaseDeclaration.objects.create(unit=unit, person=person, year=year, base=base)
        return person

    return make


@pytest.fixture
def on_day(monkeypatch):
    """The handlers' today() returns TODAY (or the date given)."""

    def set_day(day: datetime.date = TODAY) -> None:
        monkeypatch.setattr("yibao.enrollment.handlers.accounts.today", lambda: day)

    set_day()
    return set_day


def apply(item: Item, *, applicant_kind: str, applicant_id: str, applicant_name: str, form_data: dict,
          situations: tuple = (), commitments: frozenset = frozenset(), skip: frozenset = frozenset(), user=None):
    """Submit online with a scan for every material of the situation, except ``skip`` and commitments."""
    lines = compute_checklist(item.data, Situation(applicant_kind=applicant_kind, situations=list(situations)))
    return submit_case(
        item=item, applicant_kind=applicant_kind, applicant_name=applicant_name, applicant_id_number=applicant_id,
        applicant_phone="13912345678", channel="online_hall", situation={"situations": list(situations)},
        form_data=form_data, commitments=set(commitments), applicant_user=user,
        uploads={line.position: [Upload(f"{line.position}.pdf", PDF)] for line in lines
                 if line.position not in commitments and line.position not in skip},
    )
