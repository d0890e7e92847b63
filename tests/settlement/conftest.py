"""Personas of the settlement tests: a designated hospital (with its designation period), its
agency's clerks, two insured persons (职工 and 居民) and a helper building a declared month."""

import datetime
from decimal import Decimal

import pytest

from tests.factories import AgencyFactory, StaffFactory
from yibao import clock
from yibao.enrollment.models import InsurancePeriod, InsuranceStatus, Person
from yibao.ids import make_resident_id, make_uscc
from yibao.institutions.models import (
    DesignationPeriod,
    Institution,
    InstitutionKind,
    InstitutionStatus,
)
from yibao.settlement import services

MONTH = "2026-11"
TODAY = datetime.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def december():
    with clock.override(TODAY):
        yield


@pytest.fixture
def agency(db):
    return AgencyFactory(name="测试区医疗保障服务中心")


def make_institution(agency, *, code="H14010500001", uscc=None, start=datetime.date(2025, 1, 1),
                     end=None, kind=InstitutionKind.HOSPITAL):
    uscc = uscc or make_uscc(f"12{code[1:7]}M{'A' if code[0] == 'H' else 'B'}{code[-7:]}")
    institution = Institution.objects.create(
        kind=kind, name="测试市第一人民医院" if kind == InstitutionKind.HOSPITAL else "测试大药房",
        uscc=uscc, operator_uscc=uscc, licence_number="PDY00001", legal_representative="张院长",
        address="测试路1号", region=agency.region, agency=agency, county="测试区",
        opened_on=datetime.date(2020, 1, 1), national_code=code, status=InstitutionStatus.DESIGNATED)
    DesignationPeriod.objects.create(institution=institution, start=start, end=end)
    return institution


@pytest.fixture
def hospital(agency):
    return make_institution(agency)


def make_person(agency, serial, *, insurance_type="310", start=datetime.date(2020, 1, 1), end=None):
    born = datetime.date(1980, 1, 1) + datetime.timedelta(days=serial)
    number = make_resident_id(f"140105{born:%Y%m%d}{serial % 1000:03d}")
    person = Person.objects.create(id_number=number, name=f"参保人{serial}", sex="1",
                                   birth_date=datetime.date(1980, 1, 1), region=agency.region, home_agency=agency)
    InsurancePeriod.objects.create(person=person, insurance_type=insurance_type, status=InsuranceStatus.INSURED,
                                   home_agency=agency, start_date=start, end_date=end)
    return person


@pytest.fixture
def employee(agency):
    return make_person(agency, 1, insurance_type="310")


@pytest.fixture
def resident(agency):
    return make_person(agency, 2, insurance_type="390")


def record(settlement_id, person, *, insurance="310", med="21", day="2026-11-10", total="1000.00",
           pooled="600.00", large="0.00", aid="0.00", account="100.00", **overrides):
    """One settlement whose split adds up: the pooled fund and the person's share."""
    total, pooled, large, aid, account = (Decimal(v) for v in (total, pooled, large, aid, account))
    fund_total = pooled + large + aid
    personal = total - fund_total
    values = {
        "settlement_id": settlement_id, "person_id_number": person if isinstance(person, str) else person.id_number,
        "insurance_type": insurance, "med_type": med, "begin_date": day, "end_date": day,
        "total": f"{total}", "in_policy": f"{total}",
        "pooled_employee": f"{pooled}" if insurance == "310" else "0",
        "pooled_resident": f"{pooled}" if insurance == "390" else "0",
        "large_expense": f"{large}" if insurance == "310" else "0",
        "critical_illness": f"{large}" if insurance == "390" else "0",
        "medical_aid": f"{aid}", "fund_total": f"{fund_total}", "personal_total": f"{personal}",
        "account_pay": f"{account}" if insurance == "310" else "0",
        "cash_pay": f"{personal - account}" if insurance == "310" else f"{personal}",
    }
    values.update(overrides)
    return values


@pytest.fixture
def clerk(agency):
    return StaffFactory(agency=agency, roles=["review"], name="审核员")


@pytest.fixture
def second_clerk(agency):
    return StaffFactory(agency=agency, roles=["second-review"], name="复核员")


@pytest.fixture
def declared(hospital, employee, resident):
    """A month of three good settlements, declared."""
    declaration = services.open_declaration(actor="hospital", institution_code=hospital.national_code, month=MONTH)
    services.add_records(actor="hospital", institution_code=hospital.national_code, declaration=declaration,
                         records=[record("JS001", employee), record("JS002", resident, insurance="390"),
                                  record("JS003", employee, med="11", total="200.00", pooled="120.00",
                                         account="80.00")])
    return services.declare(actor="hospital", institution_code=hospital.national_code, declaration=declaration)
