"""Personas for the resident and person-information items.

Taiyuan (太原市, 140100): the city centre and 小店区 (140105), where the
applicants live; Changzhi (140400) and Jincheng (140500) each with a city
agency. Each agency has a clerk who accepts, two reviewers and a clerk who
may both accept and review. Dates are passed explicitly to services; the
handlers' ``today()`` is replaced with ``on_day``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
import pytest

from yibao.accounts.identity import IdentityClaim, SmsCodeVerifier
from yibao.accounts.models import CodePurpose
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
)
from yibao.ids import make_resident_id
from yibao.notifications.models import SmsMessage

PDF = b"%PDF-1.4\n% a scan\n"
IN_WINDOW = datetime.date(2026, 10, 15)
OUT_OF_WINDOW = datetime.date(2026, 3, 2)


def current_item(city: str, key: str) -> Item:
    return Item.objects.select_related("version__region", "category").get(
        version__region__slug=city, version__is_current=True, key=key)


def rid(body17: str) -> str:
    return make_resident_id(body17)


class PersonFactory(factory.django.DjangoModelFactory):
    """An enrollment record (参保人员) in 小店区, Taiyuan; pass region/home_agency for others."""

    class Meta:
        model = Person

    id_type = IdType.RESIDENT_ID
    id_number = factory.Sequence(lambda n: make_resident_id(f"140105{1970 + n % 40}0101{n % 1000:03d}"))
    name = factory.Sequence(lambda n: f"居民{n}")
    sex = factory.LazyAttribute(lambda o: "1" if int(o.id_number[16]) % 2 else "2")
    birth_date = factory.LazyAttribute(
        lambda o: datetime.date(int(o.id_number[6:10]), int(o.id_number[10:12]), int(o.id_number[12:14])))
    phone = "13900000001"


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsurancePeriod

    person = factory.SubFactory(PersonFactory)
    insurance_type = "390"
    status = InsuranceStatus.INSURED
    category = PersonCategory.RESIDENT
    home_agency = factory.LazyAttribute(lambda o: o.person.home_agency)
    start_date = datetime.date(2020, 1, 1)


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    person = factory.SubFactory(PersonFactory)
    month = datetime.date(2026, 1, 1)
    insurance_type = "390"
    base = Decimal("380.00")
    unit_part = Decimal("0.00")
    personal_part = Decimal("380.00")
    paid = True


@pytest.fixture
def on_day(monkeypatch):
    """on_day(date): the handlers' today() returns ``date`` from now on."""

    def set_day(day: datetime.date) -> None:
        monkeypatch.setattr("yibao.enrollment.handlers.residents.today", lambda: day)

    return set_day


@pytest.fixture
def make_person(agencies):
    """A record in 小店区 by default: make_person(id_number=…, name=…, periods=["390"], …)."""

    def make(*, periods: tuple[str, ...] = (), agency: str = "xiaodian", **kwargs) -> Person:
        home = agencies[agency]
        person = PersonFactory(region=home.region, home_agency=home, **kwargs)
        for insurance_type in periods:
            PeriodFactory(person=person, insurance_type=insurance_type, home_agency=home,
                          category=PersonCategory.EMPLOYED if insurance_type == "310" else PersonCategory.RESIDENT)
        return person

    return make


def apply(item: Item, *, applicant_id: str, applicant_name: str, form_data: dict, situations: tuple = (),
          applicant_kind: str = "person", phone: str = "13912345678"):
    """Submit online with a scan for every material of the chosen situation."""
    situation = {"situations": list(situations)}
    lines = compute_checklist(item.data, Situation(applicant_kind=applicant_kind, situations=list(situations)))
    return submit_case(
        item=item, applicant_kind=applicant_kind, applicant_name=applicant_name,
        applicant_id_number=applicant_id, applicant_phone=phone, channel="online_hall", situation=situation,
        form_data=form_data, uploads={line.position: [Upload(f"{line.position}.pdf", PDF)] for line in lines},
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


def new_phone_code(person, phone: str) -> str:
    """What an online applicant does first to change their phone: a code texted to the new phone."""
    claim = IdentityClaim(kind="person", identifier=person.id_number, name=person.name,
                          purpose=CodePurpose.CHANGE_PHONE, phone=phone)
    SmsCodeVerifier().start(claim=claim, actor="test")
    return SmsMessage.objects.filter(phone=phone).latest("id").text.split("验证码 ")[1][:6]
