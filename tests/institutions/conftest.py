"""Personas for 定点医药机构: the two cities' city agencies with their clerks, a hospital and a pharmacy.

Two clerks per city, because the designation is handled by two people: the one
who accepts does not evaluate. ``designate`` takes an application through every
stage the way the 医药机构服务科 does.
"""

from __future__ import annotations

import datetime

import pytest

from tests.factories import AgencyFactory, StaffFactory
from yibao import clock
from yibao.agencies.models import Region
from yibao.cases.checklist import Situation, compute_checklist
from yibao.cases.services import Upload, accept_case, advance_case, submit_case
from yibao.catalog.models import Item
from yibao.ids import make_uscc
from yibao.institutions.models import InstitutionKind
from yibao.institutions.rules import criteria_for
from yibao.institutions.services import (
    Finding,
    InstitutionData,
    record_evaluation,
    record_negotiation,
    register_institution,
)

PDF = b"%PDF-1.4\n% a scan\n"
DAY = datetime.date(2026, 3, 2)  # a Monday
CITY_CODES = {"taiyuan": "140100", "changzhi": "140400"}
ITEMS = {
    ("taiyuan", "hospital"): "hospital-designation-apply",
    ("taiyuan", "pharmacy"): "pharmacy-designation-apply",
    ("changzhi", "hospital"): "hospital-designation",
    ("changzhi", "pharmacy"): "pharmacy-designation",
}
APPLICATION = {"insurance_head": "王主任", "insurance_head_phone": "13912345678", "insurance_staff_count": 2,
               "business_scope": ["住院", "门诊"], "commitment": "是"}
_serial = iter(range(1, 10_000))


def current_item(city, key):
    return Item.objects.select_related("version__region", "category").get(
        version__region__slug=city, version__is_current=True, key=key)


def designation_item(city, kind):
    return current_item(city, ITEMS[(city, kind)])


@pytest.fixture(autouse=True)
def fixed_day(monkeypatch):
    """Start every test on DAY; ``later(n)`` moves the clock on."""
    with clock.override(DAY):
        yield DAY


@pytest.fixture
def regions(catalog):
    return {slug: Region.objects.get(slug=slug) for slug in CITY_CODES}


@pytest.fixture
def agencies(regions):
    return {slug: AgencyFactory(region=regions[slug], code=code, slug=f"{slug}-city", level="city",
                                name=f"{regions[slug].name}医疗保险管理服务中心")
            for slug, code in CITY_CODES.items()}


@pytest.fixture
def clerks(agencies):
    """Per city: a receptionist (受理) and an officer of the 医药机构服务科 (审核)."""
    return {slug: {"accept": StaffFactory(agency=agency, roles=["accept"]),
                   "review": StaffFactory(agency=agency, roles=["review"])}
            for slug, agency in agencies.items()}


def make_institution(region, kind="hospital", *, beds=80, opened_on=datetime.date(2025, 1, 1), **overrides):
    n = next(_serial)
    data = dict(
        kind=kind, name=f"{region.name}示例{'医院' if kind == 'hospital' else '大药房'}{n}",
        uscc=make_uscc(f"12{region.code}MB{n:07d}"), operator_uscc=make_uscc(f"12{region.code}MB{n:07d}"),
        licence_number=f"PDY{n:06d}", legal_representative="李院长", address="示例路1号",
        county="小店区", opened_on=opened_on, level="2" if kind == "hospital" else "",
        hospital_type="综合医院" if kind == "hospital" else "", beds=beds if kind == "hospital" else 0,
        departments=("内科", "外科") if kind == "hospital" else (), pharmacists=2 if kind == "pharmacy" else 0,
    )
    data.update(overrides)
    return register_institution(data=InstitutionData(**data), region=region, password="demo-pass-123",
                                actor="test")


@pytest.fixture
def hospital(regions, agencies):
    return make_institution(regions["changzhi"], "hospital")


@pytest.fixture
def pharmacy(regions, agencies):
    return make_institution(regions["changzhi"], "pharmacy")


def uploads_for(item):
    parsed = Situation.model_validate({"applicant_kind": "institution"})
    return {line.position: [Upload(f"{line.position}.pdf", PDF)] for line in compute_checklist(item.data, parsed)}


def apply(institution, item=None, form_data=None, *, applicant_kind="institution"):
    item = item or designation_item(institution.region.slug, institution.kind)
    return submit_case(
        item=item, applicant_kind=applicant_kind, applicant_name=institution.name,
        applicant_id_number=institution.uscc, applicant_phone="13912345678", channel="online_hall",
        form_data=APPLICATION if form_data is None else form_data, uploads=uploads_for(item),
        applicant_user=institution.account.user,
    )


def all_met(kind, **unmet):
    return {c.code: Finding(met=c.code not in unmet, note=unmet.get(c.code, "")) for c in criteria_for(kind)}


def evaluate(case, clerk, *, unmet=None, opinion=""):
    kind = "hospital" if "医疗机构" in case.item.name else "pharmacy"
    return record_evaluation(case=case, staff=clerk, findings=all_met(kind, **(unmet or {})),
                             written_on=clock.today(), onsite_on=clock.today(),
                             opinion=opinion or ("需整改" if unmet else ""))


def later(days):
    """The clock ``days`` natural days after DAY (use as a context manager)."""
    return clock.override(DAY + datetime.timedelta(days=days))


def designate(institution, clerks, *, through="办结"):
    """申请 → 受理 → 评估 → 公示 → 协商谈判 → 协议签订 → (服务开通): the case at ``through``."""
    staff = clerks[institution.region.slug]
    case = apply(institution)
    case = accept_case(case=case, staff=staff["accept"])
    evaluate(case, staff["review"])
    case = advance_case(case=case, staff=staff["review"], action="investigate", opinion="评估合格，公示")
    if through == "调查":
        return case
    with later(10):
        case = advance_case(case=case, staff=staff["review"], action="review", opinion="公示期满无异议")
        if through == "审核":
            return case
        record_negotiation(case=case, staff=staff["review"], terms="按本市定点医疗机构服务协议文本签订")
        case = advance_case(case=case, staff=staff["review"], action="recognize", opinion="签订协议")
        if through == "认定":
            return case
        return advance_case(case=case, staff=staff["review"], action="complete", opinion="开通服务")


__all__ = ["InstitutionKind"]
