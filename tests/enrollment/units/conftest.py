"""Personas for the unit and employee items.

Each city has a city agency with a clerk who accepts, two reviewers and a clerk
who may both accept and review. Taiyuan has two registered units in 小店区
(140105): 太原示例煤业 (insures 生育保险) and 太原示例机械; Changzhi and Jincheng
one each. Persons are made with ``make_person``; the handlers' ``today()`` is
fixed by ``on_day`` (default 2026-03-16).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
import pytest

from yibao.cases import lifecycle
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.models import CaseStatus
from yibao.cases.services import Upload, accept_case, advance_case, submit_case
from yibao.catalog.models import Item
from yibao.enrollment.models import (
    Contribution,
    IdType,
    InsurancePeriod,
    InsuranceStatus,
    Person,
    PersonCategory,
    Unit,
)
from yibao.ids import make_resident_id, make_uscc

PDF = b"%PDF-1.4\n% a scan\n"
TODAY = datetime.date(2026, 3, 16)


def current_item(city: str, key: str) -> Item:
    return Item.objects.select_related("version__region", "category").get(
        version__region__slug=city, version__is_current=True, key=key)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    uscc = factory.Sequence(lambda n: make_uscc(f"9114010500{n:07d}"))
    name = factory.Sequence(lambda n: f"示例单位{n}有限公司")
    unit_type = "企业"
    insurance_types = ["职工基本医疗保险"]
    registered_on = datetime.date(2020, 1, 1)
    region = factory.LazyAttribute(lambda o: o.home_agency.region)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_type = IdType.RESIDENT_ID
    id_number = factory.Sequence(lambda n: make_resident_id(f"140105{1970 + n % 30}0{1 + n % 9}1{n % 10}{n % 1000:03d}"))
    name = factory.Sequence(lambda n: f"职工{n}")
    sex = factory.LazyAttribute(lambda o: "1" if int(o.id_number[16]) % 2 else "2")
    birth_date = factory.LazyAttribute(
        lambda o: datetime.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14])))
    region = factory.LazyAttribute(lambda o: o.home_agency.region)


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsurancePeriod

    insurance_type = "310"
    status = InsuranceStatus.INSURED
    category = PersonCategory.EMPLOYED
    home_agency = factory.LazyAttribute(lambda o: o.person.home_agency)
    start_date = datetime.date(2021, 1, 1)


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    month = datetime.date(2026, 1, 1)
    insurance_type = "310"
    base = Decimal("5000.00")
    unit_part = Decimal("400.00")
    personal_part = Decimal("100.00")
    paid = True


@pytest.fixture(autouse=True)
def on_day(monkeypatch):
    """on_day(date): the handlers' today() returns ``date`` (2026-03-16 unless changed)."""

    def set_day(day: datetime.date) -> None:
        monkeypatch.setattr("yibao.enrollment.handlers.units.today", lambda: day)
        monkeypatch.setattr("yibao.enrollment.handlers.employees.today", lambda: day)

    set_day(TODAY)
    return set_day


@pytest.fixture
def units(agencies):
    """Registered units: coal (Taiyuan, with 生育保险), machinery (Taiyuan), changzhi, jincheng."""
    return {
        "coal": UnitFactory(name="太原示例煤业有限公司", home_agency=agencies["xiaodian"],
                            uscc=make_uscc("91140105MA0C00001"), insurance_types=["职工基本医疗保险", "生育保险"]),
        "machinery": UnitFactory(name="太原示例机械有限公司", home_agency=agencies["xiaodian"],
                                 uscc=make_uscc("91140105MA0C00002")),
        "changzhi": UnitFactory(name="长治示例焦化有限公司", home_agency=agencies["changzhi"],
                                uscc=make_uscc("91140400MA0C00003")),
        "jincheng": UnitFactory(name="晋城示例电力有限公司", home_agency=agencies["jincheng"],
                                uscc=make_uscc("91140500MA0C00004")),
    }


@pytest.fixture
def make_person(agencies):
    """make_person(at=unit, insurance_types=("310",), agency="xiaodian", **person fields)."""

    def make(*, at: Unit | None = None, insurance_types: tuple[str, ...] = (), agency: str = "xiaodian",
             category: str = PersonCategory.EMPLOYED, start: datetime.date = datetime.date(2021, 1, 1),
             **kwargs) -> Person:
        home = at.home_agency if at is not None else agencies[agency]
        person = PersonFactory(home_agency=home, **kwargs)
        for insurance_type in insurance_types or (("310",) if at is not None else ()):
            PeriodFactory(person=person, insurance_type=insurance_type, unit=at if insurance_type != "390" else None,
                          home_agency=home, start_date=start,
                          category=PersonCategory.RESIDENT if insurance_type == "390" else category)
        return person

    return make


def row(person_or_number, name: str = "", *, id_type: str = "01", start: str = "2026-03-01",
        base: str = "5000", category: str = "在职", transfer: str = "") -> dict:
    """A 表2 row for a Person (or an ID number and a name)."""
    if isinstance(person_or_number, Person):
        number, name = person_or_number.id_number, name or person_or_number.name
    else:
        number = person_or_number
    return {"id_type": id_type, "id_number": number, "name": name, "start_date": start, "base": base,
            "category": category, "transfer": transfer}


def apply(item: Item, *, applicant, form_data: dict, situations: tuple = (), applicant_kind: str = "unit",
          phone: str = "0351-2345678"):
    """Submit online for ``applicant`` (a Unit, or a Person for person items) with a scan for every material."""
    if applicant_kind == "unit":
        number, name = applicant.uscc, applicant.name
    else:
        number, name = applicant.id_number, applicant.name
    situation = {"situations": list(situations)}
    lines = compute_checklist(item.data, Situation(applicant_kind=applicant_kind, situations=list(situations)))
    return submit_case(
        item=item, applicant_kind=applicant_kind, applicant_name=name, applicant_id_number=number,
        applicant_phone=phone, channel="online_hall", situation=situation, form_data=form_data,
        uploads={line.position: [Upload(f"{line.position}.pdf", PDF)] for line in lines},
    )


def run_through(case, clerks: dict, *, opinion: str = "同意"):
    """Accept, then every remaining step (审核 by a second person) up to 办结."""
    case = accept_case(case=case, staff=clerks["accept"])
    while case.status != CaseStatus.COMPLETED:
        step = lifecycle.next_step(case.steps, case.status)
        role = lifecycle.role_for(case.steps, step)
        clerk = clerks["accept"] if role == "accept" else clerks["review"]
        case = advance_case(case=case, staff=clerk, action=step.action, opinion=opinion)
    return case
