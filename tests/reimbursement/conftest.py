"""Personas for 零星报销: the three cities' agencies and clerks, insured persons, a claim's form.

Persons and periods are written directly by factories (arrange); the case engine and the
reimbursement services act. Care days are counted back from today, so the claim is never
"in the future" and the rules' demo parameters (in force from 2020) apply.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
import pytest

from tests.factories import AgencyFactory, StaffFactory, WindowFactory
from yibao import clock
from yibao.agencies.models import Region
from yibao.cases import lifecycle
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.models import CaseStatus
from yibao.cases.services import Upload, accept_case, advance_case, submit_case
from yibao.catalog.models import Item
from yibao.enrollment.models import InsurancePeriod, Person
from yibao.ids import make_resident_id

PDF = b"%PDF-1.4\n% a scan\n"
CITY_CODES = {"taiyuan": "140100", "changzhi": "140400", "jincheng": "140500"}


def current_item(city, key):
    return Item.objects.select_related("version__region", "category").get(
        version__region__slug=city, version__is_current=True, key=key)


def days_ago(n: int) -> datetime.date:
    return clock.today() - datetime.timedelta(days=n)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(lambda n: make_resident_id(f"140525196{n % 10}0101{n % 1000:03d}"))
    name = factory.Sequence(lambda n: f"报销人{n}")
    sex = "1"
    birth_date = datetime.date(1960, 1, 1)
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


@pytest.fixture
def regions(catalog):
    return {slug: Region.objects.get(slug=slug) for slug in CITY_CODES}


@pytest.fixture
def agencies(regions):
    return {slug: AgencyFactory(region=regions[slug], code=code, slug=f"{slug}-city", level="city",
                                name=f"{regions[slug].name}医疗保险事务中心")
            for slug, code in CITY_CODES.items()}


@pytest.fixture
def windows(agencies):
    return {slug: WindowFactory(agency=agency, number="A01") for slug, agency in agencies.items()}


@pytest.fixture
def clerks(agencies):
    """clerks[city][role]: a receptionist, two reviewers, a second reviewer, a payer."""
    return {slug: {"accept": StaffFactory(agency=agency, roles=["accept"]),
                   "review": StaffFactory(agency=agency, roles=["review"]),
                   "review2": StaffFactory(agency=agency, roles=["review"]),
                   "second_review": StaffFactory(agency=agency, roles=["second_review"]),
                   "pay": StaffFactory(agency=agency, roles=["pay"])}
            for slug, agency in agencies.items()}


@pytest.fixture
def make_insured(agencies):
    def make(city="jincheng", *, insurance_type="310", category="retired", start=datetime.date(2010, 1, 1),
             unit=None, birth_date=datetime.date(1960, 1, 1), **person_fields):
        person = PersonFactory(region=agencies[city].region, home_agency=agencies[city], birth_date=birth_date,
                               **person_fields)
        PeriodFactory(person=person, insurance_type=insurance_type, category=category, start_date=start,
                      unit=unit)
        return person
    return make


LINES = [
    # 甲 500 × 2 = 1000; 乙 2000 with 10 % 先行自付 (200); 丙 300 全自费.
    {"row": 1, "item_code": "250101001", "item_name": "床位费", "grade": "甲", "unit_price": "500", "quantity": "2"},
    {"row": 2, "item_code": "XA01", "item_name": "注射用头孢曲松钠", "grade": "乙", "unit_price": "100",
     "quantity": "20", "self_pay_ratio": "0.10"},
    {"row": 3, "item_code": "Z99", "item_name": "陪护用品", "grade": "丙", "unit_price": "30", "quantity": "10"},
]


def claim_form(person, *, bills=("JC2026000001",), med_type="21", admission=None, discharge=None, **overrides):
    admission = admission or days_ago(20)
    discharge = discharge or admission + datetime.timedelta(days=5)
    form = {
        "insured_name": person.name, "insured_id_number": person.id_number, "med_type": med_type,
        "institution_code": "H14052500001", "institution_name": "晋城市人民医院", "institution_local": True,
        "hospital_level": "二级", "admission_date": admission.isoformat(), "discharge_date": discharge.isoformat(),
        "diagnosis_code": "J18.9", "diagnosis_name": "肺炎", "referral": "已办理转诊转院审批",
        "bill_numbers": list(bills), "payee": "本人", "account_name": person.name, "bank_name": "中国工商银行晋城分行",
        "account_number": "6222020500001234567", "lines": [dict(line) for line in LINES],
    }
    form.update(overrides)
    return form


def uploads_for(item, situation, applicant_kind="person"):
    parsed = Situation.model_validate({**situation, "applicant_kind": applicant_kind})
    return {line.position: [Upload(f"{line.position}.pdf", PDF)] for line in compute_checklist(item.data, parsed)}


def submit(item, person, form, *, situations=(), channel="online_hall", staff=None, window=None, applicant=None):
    situation = {"situations": list(situations)}
    applicant = applicant or (person.name, person.id_number)
    return submit_case(item=item, applicant_kind="person", applicant_name=applicant[0],
                       applicant_id_number=applicant[1], applicant_phone="13912345678", channel=channel,
                       situation=situation, form_data=form, uploads=uploads_for(item, situation),
                       staff=staff, window=window)


def handle_to_end(case, people, *, window=None):
    """受理, 审核, [复审], 拨付, 办结 by the right clerks of the home agency."""
    case = accept_case(case=case, staff=people["accept"], window=window)
    while case.status != CaseStatus.COMPLETED:
        step = lifecycle.next_step(case.steps, case.status)
        clerk = {"审核": people["review"], "复审": people["second_review"], "拨付": people["pay"],
                 "办结": people["pay"]}[step.name]
        case = advance_case(case=case, staff=clerk, action=step.action, opinion="同意")
    return case


MONEY = Decimal("0.01")
