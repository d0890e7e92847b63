"""Personas for medical aid: Taiyuan's city agency and clerks, residents insured under 390 with
their 2026 personal contribution (paid in full or not), and the aid-recipient list as Excel."""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook

from tests.enrollment.contributions.conftest import (  # noqa: F401  (fixtures reused)
    PersonFactory,
    agencies,
    regions,
    staff,
)
from yibao import clock
from yibao.enrollment.models import Contribution, InsurancePeriod, InsuranceStatus, PersonCategory
from yibao.enrollment.policies import policy_for
from yibao.medical_aid.services import COLUMNS

TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def today():
    with clock.override(TODAY):
        yield TODAY


@pytest.fixture
def resident(agencies):  # noqa: F811
    """resident(name=…, paid_in_full=True|False|None): a 390 resident of Taiyuan; None: no 2026 contribution."""

    def make(*, paid_in_full: bool | None = True, city: str = "taiyuan", **kwargs):
        agency = agencies[city]
        person = PersonFactory(region=agency.region, home_agency=agency, **kwargs)
        InsurancePeriod.objects.create(person=person, insurance_type="390", status=InsuranceStatus.INSURED,
                                       category=PersonCategory.RESIDENT, home_agency=agency,
                                       start_date=datetime.date(2020, 1, 1))
        if paid_in_full is not None:
            fee = policy_for(agency.region, on=datetime.date(2026, 1, 1)).resident_yearly_fee
            Contribution.objects.create(person=person, month=datetime.date(2026, 1, 1), insurance_type="390",
                                        base=Decimal("0.00"), unit_part=Decimal("0.00"),
                                        personal_part=fee if paid_in_full else Decimal("0.00"), paid=paid_in_full)
        return person

    return make


def workbook(rows, header=COLUMNS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def row(person, category="低保对象", start="2026-01-01", end="2026-12-31", bank=("中国银行太原分行", "6216600000009999")):
    return (person.id_number, person.name, category, start, end, *bank)
