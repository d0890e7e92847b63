"""Personas for printed certificates and records.

Reuses the Jincheng agencies and clerks of the case engine (via tests/documents/conftest.py)
and adds enrollment records: 李晓梅 (employee of 晋城示例煤业 in 泽州县, with a personal
account and 2025 contributions), 王小明 (resident in 高平市), and a second unit.
"""

import datetime
import io
import re
from decimal import Decimal

import factory
import pytest
from pypdf import PdfReader

from tests.factories import PersonAccountFactory, UnitAccountFactory
from yibao.cases.models import Case
from yibao.enrollment.models import (
    Contribution,
    InsurancePeriod,
    Person,
    PersonalAccount,
    Unit,
)
from yibao.ids import make_resident_id, make_uscc

XIAOMEI_ID = make_resident_id("14052519900101123")
XIAOMING_ID = make_resident_id("14058119850505321")
COAL_USCC = make_uscc("91140525MA0L00001")
OTHER_USCC = make_uscc("91140581MA0L00002")


class EnrolledPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(lambda n: make_resident_id(f"14052519700101{n % 1000:03d}"))
    name = factory.Sequence(lambda n: f"参保人{n}")
    sex = "2"
    birth_date = datetime.date(1990, 1, 1)
    region = factory.LazyAttribute(lambda o: o.home_agency.region)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    uscc = factory.Sequence(lambda n: make_uscc(f"91140525MA1{n % 1_000_000:06d}"))
    name = factory.Sequence(lambda n: f"示例单位{n}有限公司")
    unit_type = "企业"
    region = factory.LazyAttribute(lambda o: o.home_agency.region)
    insurance_types = ["职工基本医疗保险", "生育保险"]
    registered_on = datetime.date(2020, 1, 1)


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InsurancePeriod

    insurance_type = "310"
    status = "1"
    category = "employed"
    home_agency = factory.LazyAttribute(lambda o: o.person.home_agency)
    start_date = datetime.date(2020, 1, 1)


def pay_months(person, unit, first: datetime.date, count: int, *, base="5000.00", insurance_type="310",
               unpaid: tuple[int, ...] = ()):
    """``count`` monthly rows from ``first``: unit 8 %, personal 2 %; the months numbered in ``unpaid`` owed."""
    base = Decimal(base)
    rows = []
    month = first
    for index in range(count):
        rows.append(Contribution(person=person, unit=unit, month=month, insurance_type=insurance_type, base=base,
                                 unit_part=(base * Decimal("0.08")).quantize(Decimal("0.01")),
                                 personal_part=(base * Decimal("0.02")).quantize(Decimal("0.01")),
                                 paid=index not in unpaid))
        month = datetime.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    Contribution.objects.bulk_create(rows)
    return rows


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(content: bytes) -> str:
    return squeeze("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def printed_code(content: bytes) -> str:
    match = re.search(r"验证码([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", pdf_text(content))
    assert match, "no verification code printed"
    return match.group(1).replace("-", "")


@pytest.fixture
def coal(agencies):
    return UnitFactory(uscc=COAL_USCC, name="晋城示例煤业有限公司", home_agency=agencies["zezhou"],
                       address="泽州县金村镇", contact_name="赵会计", contact_phone="0356-2221234")


@pytest.fixture
def other_unit(agencies):
    return UnitFactory(uscc=OTHER_USCC, name="高平示例陶瓷有限公司", home_agency=agencies["gaoping"])


@pytest.fixture
def xiaomei(agencies, coal):
    """An employee: 310 since 2024-03 with the coal company, 2025 paid except November, account 1,234.56."""
    person = EnrolledPersonFactory(id_number=XIAOMEI_ID, name="李晓梅", home_agency=agencies["zezhou"])
    PeriodFactory(person=person, unit=coal, start_date=datetime.date(2024, 3, 1))
    pay_months(person, coal, datetime.date(2024, 3, 1), 10)
    pay_months(person, coal, datetime.date(2025, 1, 1), 12, base="6000.00", unpaid=(10,))
    PersonalAccount.objects.create(person=person, balance=Decimal("1234.56"))
    return person


@pytest.fixture
def xiaoming(agencies):
    """A resident of 高平市 since 2023."""
    person = EnrolledPersonFactory(id_number=XIAOMING_ID, name="王小明", sex="1",
                                   birth_date=datetime.date(1985, 5, 5), home_agency=agencies["gaoping"])
    PeriodFactory(person=person, insurance_type="390", category="resident", start_date=datetime.date(2023, 1, 1))
    return person


@pytest.fixture
def xiaomei_login(xiaomei):
    return PersonAccountFactory(id_number=XIAOMEI_ID, name="李晓梅", phone="13912345678")


@pytest.fixture
def xiaoming_login(xiaoming):
    return PersonAccountFactory(id_number=XIAOMING_ID, name="王小明", phone="13800000001")


@pytest.fixture
def coal_login(coal):
    return UnitAccountFactory(uscc=COAL_USCC, name=coal.name)


@pytest.fixture
def other_unit_login(other_unit):
    return UnitAccountFactory(uscc=OTHER_USCC, name=other_unit.name)


class CaseFactory(factory.django.DjangoModelFactory):
    """A case row written directly (no handler involved): for pages that only read a case."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"1404002026112390{n % 1000:03d}")
    region = factory.LazyAttribute(lambda o: o.item.version.region)
    channel = "online_hall"
    applicant_kind = "person"
    applicant_phone = "13912345678"
