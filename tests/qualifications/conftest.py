"""Personas for 待遇资格核定: each city's agency and clerks, insured persons, a directory of special drugs.

Persons and periods are written directly (factories arrange; the services under test act).
``complete`` takes a case through the engine to 办结 with distinct clerks for 受理, 审核 and 复审.
"""

from __future__ import annotations

import datetime

import pytest

from tests.factories import AgencyFactory, StaffFactory
from tests.offsite.conftest import PeriodFactory, PersonFactory, current_item, submit, uploads_for  # noqa: F401
from yibao import clock
from yibao.agencies.models import Region
from yibao.cases import lifecycle
from yibao.cases.models import CaseStatus
from yibao.cases.services import accept_case, advance_case
from yibao.ids import make_uscc
from yibao.qualifications.models import DrugInstitution, ResponsibleDoctor, SpecialDrug

TODAY = datetime.date(2026, 3, 2)
CITY_CODES = {"taiyuan": "140100", "changzhi": "140400", "jincheng": "140500"}
HOSPITAL = ("H14010500001", "山西省人民医院")
HOSPITAL_USCC = make_uscc("12140000MB0000001")


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    with clock.override(TODAY):
        yield TODAY


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
    """Three clerks per city: 受理, 审核/认定, 复审 (two-person items need different people)."""
    return {slug: [StaffFactory(agency=agency, roles=["accept"]),
                   StaffFactory(agency=agency, roles=["review", "accept"]),
                   StaffFactory(agency=agency, roles=["second_review", "review"])]
            for slug, agency in agencies.items()}


def insured(agency, *, insurance_type="310", category="retired", birth_date=None, phone="13900000000"):
    extra = {"birth_date": birth_date} if birth_date else {}
    person = PersonFactory(region=agency.region, home_agency=agency, phone=phone, **extra)
    PeriodFactory(person=person, insurance_type=insurance_type, category=category)
    return person


@pytest.fixture
def make_insured(agencies):
    def make(city="taiyuan", **kwargs):
        return insured(agencies[city], **kwargs)
    return make


def complete(case, staff):
    """受理 by the first clerk, 审核/认定 by the second, 复审 by the third, then 办结."""
    accept, review, second = staff
    case = accept_case(case=case, staff=accept)
    while case.status != CaseStatus.COMPLETED:
        step = lifecycle.next_step(case.steps, case.status)
        clerk = second if lifecycle.role_for(case.steps, step) == "second_review" else review
        case = advance_case(case=case, staff=clerk, action=step.action, opinion="符合认定标准")
    return case


@pytest.fixture
def directory(regions):
    """One special drug in Taiyuan and Changzhi, at one hospital with one responsible doctor."""
    drugs = {}
    for slug in ("taiyuan", "changzhi"):
        drug = SpecialDrug.objects.create(region=regions[slug], name="奥希替尼片", generic_name="甲磺酸奥希替尼片",
                                          disease_code="M00503", disease_name="恶性肿瘤")
        place = DrugInstitution.objects.create(drug=drug, institution_code=HOSPITAL[0], institution_name=HOSPITAL[1])
        ResponsibleDoctor.objects.create(drug_institution=place, name="张医生", department="肿瘤内科")
        drugs[slug] = drug
    return drugs


def designated_hospital(region, *, code, name=None, kind="hospital", status="designated", designated=True):
    """A registered institution of ``region`` with a login, its national ``code`` and (unless
    ``designated`` is False) an open designation period; ``status`` may be "suspended"."""
    from tests.institutions.conftest import make_institution
    from yibao.institutions.models import DesignationPeriod

    overrides = {"name": name} if name else {}
    institution = make_institution(region, kind, **overrides)
    institution.national_code, institution.status = code, status
    institution.save(update_fields=["national_code", "status"])
    if designated:
        DesignationPeriod.objects.create(institution=institution, start=datetime.date(2024, 1, 1))
    return institution


@pytest.fixture
def hospitals(regions, agencies):
    """A designated hospital in Taiyuan (HOSPITAL) and one in Changzhi, each with its login."""
    return {"taiyuan": designated_hospital(regions["taiyuan"], code=HOSPITAL[0], name=HOSPITAL[1]),
            "changzhi": designated_hospital(regions["changzhi"], code="H14040000001", name="长治市人民医院")}


def enter_at_window(item, form_data, clerk, *, person=None, hospital=None):
    """A window clerk enters an application: for the person, or the paper application of a
    designated hospital for its patient (``hospital`` = (name, USCC); the hospital is the applicant)."""
    from yibao.cases.services import submit_case

    kind, (name, number) = ("institution", hospital) if hospital else ("person", (person.name, person.id_number))
    return submit_case(item=item, applicant_kind=kind, applicant_name=name, applicant_id_number=number,
                       applicant_phone="13912345678", channel="window", situation={}, form_data=form_data,
                       uploads=uploads_for(item, {}, kind), staff=clerk)
