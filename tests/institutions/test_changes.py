"""信息变更 (Taiyuan's item and the clerk's direct change), 暂停, 恢复, 解除 — each audited."""

import datetime

import pytest

from tests.institutions.conftest import DAY, apply, current_item, designate, later, make_institution
from yibao.audit.models import AuditEntry
from yibao.cases.models import CaseStatus
from yibao.cases.services import InvalidApplication, accept_case, advance_case
from yibao.institutions.models import InstitutionChange, InstitutionStatus
from yibao.institutions.selectors import designated_on, directory
from yibao.institutions.services import (
    InstitutionForbidden,
    InstitutionInvalid,
    InstitutionRefused,
    change_institution,
    open_service,
    resume_institution,
    suspend_institution,
    terminate_institution,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def taiyuan_hospital(regions, agencies, clerks):
    """A Taiyuan hospital designated through its two items (申报定点 then 服务开通)."""
    hospital = make_institution(regions["taiyuan"], "hospital")
    designate(hospital, clerks)
    staff = clerks["taiyuan"]
    with later(10):
        case = apply(hospital, current_item("taiyuan", "hospital-service-opening"),
                     {"code_maintained": "是", "network_connected": "是"})
        case = accept_case(case=case, staff=staff["accept"])
        case = advance_case(case=case, staff=staff["review"], action="review", opinion="同意")
        advance_case(case=case, staff=staff["review"], action="complete", opinion="开通")
    hospital.refresh_from_db()
    return hospital


def test_an_information_change_is_reviewed_and_applied_at_completion(taiyuan_hospital, clerks):
    staff = clerks["taiyuan"]
    item = current_item("taiyuan", "institution-info-change")
    with later(15):
        case = apply(taiyuan_hospital, item, {"name": "太原示例第二医院", "beds": 120, "add_departments": "儿科、眼科"})
        assert "审核" in case.steps
        case = accept_case(case=case, staff=staff["accept"])
        case = advance_case(case=case, staff=staff["review"], action="review", opinion="材料齐全")
        case = advance_case(case=case, staff=staff["review"], action="complete", opinion="变更")
    taiyuan_hospital.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert taiyuan_hospital.name == "太原示例第二医院" and taiyuan_hospital.beds == 120
    assert taiyuan_hospital.departments == ["内科", "外科", "儿科", "眼科"]
    change = InstitutionChange.objects.get(institution=taiyuan_hospital, action="change")
    assert change.before["beds"] == 80 and change.case == case
    assert AuditEntry.objects.filter(action="institutions.change", object_id=str(taiyuan_hospital.pk)).exists()


def test_a_change_that_changes_nothing_is_refused(taiyuan_hospital):
    with later(15), pytest.raises(InvalidApplication, match="没有与现有信息不同的变更"):
        apply(taiyuan_hospital, current_item("taiyuan", "institution-info-change"), {"beds": 80})


def test_an_institution_not_yet_designated_cannot_file_a_change(regions, agencies):
    hospital = make_institution(regions["taiyuan"], "hospital")
    with pytest.raises(InvalidApplication, match="不是定点医药机构，不能办理定点信息变更"):
        apply(hospital, current_item("taiyuan", "institution-info-change"), {"name": "新名称"})


def test_a_pharmacy_cannot_change_a_hospital_level(regions, agencies, clerks):
    pharmacy = make_institution(regions["changzhi"], "pharmacy")
    designate(pharmacy, clerks)
    with later(11), pytest.raises(InstitutionInvalid, match="仅医疗机构可变更"):
        change_institution(institution=pharmacy, staff=clerks["changzhi"]["review"], changes={"level": "3"})


def test_suspension_closes_the_period_and_resumption_opens_a_new_one(hospital, clerks):
    designate(hospital, clerks)
    hospital.refresh_from_db()
    code, staff = hospital.national_code, clerks["changzhi"]["review"]
    suspended_on = DAY + datetime.timedelta(days=30)
    with later(25):
        suspend_institution(institution=hospital, staff=staff, reason_code="S02", effective_on=suspended_on)
    with later(40):
        assert list(directory(region_slug="changzhi")) == []
        with pytest.raises(InstitutionInvalid, match="应晚于暂停前的定点终止日"):
            resume_institution(institution=hospital, staff=staff, effective_on=suspended_on - datetime.timedelta(days=2))
        resume_institution(institution=hospital, staff=staff)
        assert list(directory(region_slug="changzhi")) == [hospital]
    assert designated_on(code=code, day=suspended_on - datetime.timedelta(days=1))
    assert not designated_on(code=code, day=suspended_on)
    assert not designated_on(code=code, day=DAY + datetime.timedelta(days=39))
    assert designated_on(code=code, day=DAY + datetime.timedelta(days=40))
    assert AuditEntry.objects.filter(action="institutions.suspend").exists()


def test_termination_needs_a_reason_code_and_ends_the_designation(hospital, clerks):
    designate(hospital, clerks)
    staff = clerks["changzhi"]["review"]
    with later(20):
        with pytest.raises(InstitutionInvalid, match="字段 解除原因"):
            terminate_institution(institution=hospital, staff=staff, reason_code="")
        terminate_institution(institution=hospital, staff=staff, reason_code="T03", note="骗取医保基金")
        hospital.refresh_from_db()
        assert hospital.status == InstitutionStatus.TERMINATED
        with pytest.raises(InstitutionRefused, match="不能解除协议"):
            terminate_institution(institution=hospital, staff=staff, reason_code="T03")
    change = InstitutionChange.objects.get(institution=hospital, action="terminate")
    assert change.reason_code == "T03" and change.actor == staff.user.username


def test_only_a_reviewer_of_the_managing_agency_may_suspend(hospital, clerks):
    designate(hospital, clerks)
    with later(20):
        with pytest.raises(InstitutionForbidden, match="没有办理该业务的权限"):
            suspend_institution(institution=hospital, staff=clerks["changzhi"]["accept"], reason_code="S01")
        from tests.factories import StaffFactory
        outsider = StaffFactory(agency=clerks["taiyuan"]["review"].agency, roles=["review"])
        with pytest.raises(InstitutionForbidden, match="不归"):
            suspend_institution(institution=hospital, staff=outsider, reason_code="S01")


def test_a_service_is_opened_once(hospital, clerks):
    designate(hospital, clerks)
    from yibao.institutions.services import InstitutionConflict
    with later(11), pytest.raises(InstitutionConflict, match="已开通定点服务"):
        open_service(institution=hospital, actor="test")
