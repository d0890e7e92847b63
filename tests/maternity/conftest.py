"""Personas for maternity benefits: Taiyuan's and Changzhi's city agencies with their clerks,
a Taiyuan unit with a bank account whose 2025 contribution bases give the average wage, and
female employees insured under the employee insurance (310) since 2020."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.enrollment.contributions.conftest import (  # noqa: F401  (fixtures reused)
    PersonFactory,
    UnitFactory,
    agencies,
    regions,
    staff,
)
from yibao import clock
from yibao.enrollment.models import Contribution, InsurancePeriod, InsuranceStatus, PersonCategory

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def today():
    with clock.override(TODAY):
        yield TODAY


@pytest.fixture
def unit(agencies):  # noqa: F811
    agency = agencies["taiyuan"]
    unit = UnitFactory(region=agency.region, home_agency=agency, name="晋阳机械有限公司",
                       bank_name="中国工商银行太原分行", bank_account="0502123409000012345")
    # 2025: two employees × 3 months at 6 000 and 9 000 → average 7 500.
    for base in (Decimal("6000.00"), Decimal("9000.00")):
        colleague = PersonFactory(region=agency.region, home_agency=agency)
        for month in (1, 2, 3):
            Contribution.objects.create(person=colleague, unit=unit, month=datetime.date(2025, month, 1),
                                        insurance_type="310", base=base, unit_part=base * Decimal("0.08"),
                                        personal_part=base * Decimal("0.02"), paid=True)
    return unit


@pytest.fixture
def employ(agencies):  # noqa: F811
    def make(unit, *, sex: str = "2", start=datetime.date(2020, 1, 1), end=None, city: str = "taiyuan", **kwargs):
        agency = agencies[city]
        person = PersonFactory(region=agency.region, home_agency=agency, sex=sex, **kwargs)
        InsurancePeriod.objects.create(person=person, insurance_type="310", status=InsuranceStatus.INSURED,
                                       category=PersonCategory.EMPLOYED, unit=unit, home_agency=agency,
                                       start_date=start, end_date=end)
        return person

    return make


@pytest.fixture
def changzhi_unit(agencies):  # noqa: F811
    agency = agencies["changzhi"]
    return UnitFactory(region=agency.region, home_agency=agency, name="潞安化工有限公司")
