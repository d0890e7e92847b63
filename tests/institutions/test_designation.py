"""The designation of a hospital and a pharmacy, stage by stage (令第2号/第3号, seeds 003/004)."""

import datetime

import pytest

from tests.institutions.conftest import (
    APPLICATION,
    DAY,
    apply,
    current_item,
    designate,
    designation_item,
    evaluate,
    later,
    make_institution,
)
from yibao import clock
from yibao.audit.models import AuditEntry
from yibao.cases.models import CaseStatus, Outcome
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.institutions.models import Agreement, EvaluationScore, InstitutionStatus, Publicity
from yibao.institutions.selectors import designated_on, directory, institution_by_code
from yibao.institutions.services import (
    InstitutionForbidden,
    InstitutionRefused,
    answer_objection,
    raise_objection,
    record_negotiation,
)

pytestmark = pytest.mark.django_db


def test_a_changzhi_hospital_is_designated_with_its_code_agreement_and_directory_entry(hospital, clerks):
    case = designate(hospital, clerks)
    hospital.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.outcome == Outcome.APPROVED
    assert [e.action for e in case.events.all()] == [
        "submit", "accept", "investigate", "review", "recognize", "complete"]
    assert hospital.status == InstitutionStatus.DESIGNATED
    assert hospital.national_code == "H14040000001"
    assert institution_by_code("H14040000001") == hospital
    opened = DAY + datetime.timedelta(days=10)
    assert designated_on(code=hospital.national_code, day=opened)
    assert not designated_on(code=hospital.national_code, day=opened - datetime.timedelta(days=1))
    agreement = Agreement.objects.get(case=case)
    assert agreement.starts_on == opened and agreement.ends_on == datetime.date(2027, 3, 11)
    with clock.override(opened):
        assert list(directory(region_slug="changzhi")) == [hospital]
    assert AuditEntry.objects.filter(action="institutions.open_service", object_id=str(hospital.pk)).exists()


def test_a_pharmacy_gets_a_p_code(pharmacy, clerks):
    designate(pharmacy, clerks)
    pharmacy.refresh_from_db()
    assert pharmacy.national_code == "P14040000001"


def test_in_taiyuan_the_designation_ends_at_the_agreement_and_the_opening_item_assigns_the_code(regions, agencies,
                                                                                                clerks):
    hospital = make_institution(regions["taiyuan"], "hospital")
    case = designate(hospital, clerks)
    hospital.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert hospital.status == InstitutionStatus.SIGNED and hospital.national_code is None
    opening = current_item("taiyuan", "hospital-service-opening")
    staff = clerks["taiyuan"]
    with later(12):
        with pytest.raises(InvalidApplication, match="贯标维护"):
            apply(hospital, opening, {"network_connected": "是"})
        case = apply(hospital, opening, {"code_maintained": "是", "network_connected": "是"})
        case = accept_case(case=case, staff=staff["accept"])
        case = advance_case(case=case, staff=staff["review"], action="review", opinion="同意")
        advance_case(case=case, staff=staff["review"], action="complete", opinion="开通")
    hospital.refresh_from_db()
    assert hospital.status == InstitutionStatus.DESIGNATED and hospital.national_code == "H14010000001"


def test_an_opening_before_the_agreement_is_refused(regions, agencies):
    hospital = make_institution(regions["taiyuan"], "hospital")
    with pytest.raises(InvalidApplication, match="尚未签订服务协议"):
        apply(hospital, current_item("taiyuan", "hospital-service-opening"),
              {"code_maintained": "是", "network_connected": "是"})


def test_a_natural_person_or_a_unit_cannot_apply_for_designation(hospital):
    item = designation_item("changzhi", "hospital")
    for kind, number in (("person", "110101199003077774"), ("unit", hospital.uscc)):
        with pytest.raises(InvalidApplication, match="须由医药机构以机构账号申请"):
            from yibao.cases.services import submit_case
            submit_case(item=item, applicant_kind=kind, applicant_name="张三", applicant_id_number=number,
                        applicant_phone="13912345678", channel="online_hall", form_data=APPLICATION)


def test_a_pharmacy_cannot_apply_as_a_hospital(pharmacy):
    with pytest.raises(InvalidApplication, match="是零售药店，不能申请「医疗机构申报定点协议管理」"):
        apply(pharmacy, designation_item("changzhi", "hospital"))


def test_the_commitment_and_the_insurance_head_are_required(hospital):
    with pytest.raises(InvalidApplication, match="字段 申请承诺"):
        apply(hospital, form_data={**APPLICATION, "commitment": ""})
    with pytest.raises(InvalidApplication, match="字段 主管医保工作负责人：必填"):
        apply(hospital, form_data={**APPLICATION, "insurance_head": ""})


def test_a_second_application_while_one_is_open_is_refused(hospital):
    apply(hospital)
    with pytest.raises(InvalidApplication, match="已有一件正在办理的定点申请"):
        apply(hospital)


def test_a_designated_institution_cannot_apply_again(hospital, clerks):
    designate(hospital, clerks)
    with later(20), pytest.raises(InvalidApplication, match="已是定点医药机构"):
        apply(hospital)


# --- 评估 -----------------------------------------------------------------------------------------

def test_evaluation_records_a_score_per_criterion(hospital, clerks):
    case = accept_case(case=apply(hospital), staff=clerks["changzhi"]["accept"])
    evaluation = evaluate(case, clerks["changzhi"]["review"])
    scores = {s.criterion: s for s in EvaluationScore.objects.filter(evaluation=evaluation)}
    assert evaluation.passed and len(scores) == 6
    # 80 beds: the internal department criterion does not apply.
    assert "不适用" in scores["insurance_department"].note


def test_a_hospital_open_less_than_three_months_fails_whatever_the_clerk_says(regions, agencies, clerks):
    young = make_institution(regions["changzhi"], "hospital", opened_on=DAY - datetime.timedelta(days=40))
    case = accept_case(case=apply(young), staff=clerks["changzhi"]["accept"])
    evaluation = evaluate(case, clerks["changzhi"]["review"], opinion="开业不足三个月")
    assert not evaluation.passed
    assert "不足 3 个月" in evaluation.scores.get(criterion="operated_3_months").note


def test_above_one_hundred_beds_the_internal_department_is_scored(regions, agencies, clerks):
    big = make_institution(regions["changzhi"], "hospital", beds=300)
    case = accept_case(case=apply(big), staff=clerks["changzhi"]["accept"])
    evaluation = evaluate(case, clerks["changzhi"]["review"], unmet={"insurance_department": "未设医保办"})
    assert not evaluation.passed


def test_a_failed_evaluation_blocks_publicity_and_can_be_retried_after_rectification(hospital, clerks):
    staff = clerks["changzhi"]
    case = accept_case(case=apply(hospital), staff=staff["accept"])
    evaluate(case, staff["review"], unmet={"information_system": "未完成接口对接"})
    with pytest.raises(MoveNotAllowed, match="评估尚未合格，不能公示"):
        advance_case(case=case, staff=staff["review"], action="investigate", opinion="公示")
    with later(20):
        second = evaluate(case, staff["review"])
        assert second.round == 2 and second.passed
        case = advance_case(case=case, staff=staff["review"], action="investigate", opinion="整改后合格")
    assert Publicity.objects.get(case=case).start == DAY + datetime.timedelta(days=21)


def test_after_the_last_failed_round_only_a_denial_remains(hospital, clerks):
    staff = clerks["changzhi"]
    case = accept_case(case=apply(hospital), staff=staff["accept"])
    evaluate(case, staff["review"], unmet={"management_rules": "无制度"})
    evaluate(case, staff["review"], unmet={"management_rules": "仍无制度"})
    with pytest.raises(InstitutionRefused, match="已评估 2 次均不合格"):
        evaluate(case, staff["review"])
    case = advance_case(case=case, staff=staff["review"], action="investigate", approve=False,
                        opinion="两次评估不合格")
    assert case.outcome == Outcome.DENIED


def test_the_receptionist_cannot_evaluate_what_they_accepted(hospital, clerks, agencies):
    both = clerks["changzhi"]["review"]
    from yibao.agencies.models import StaffRole
    StaffRole.objects.create(staff=both, role="accept")
    case = accept_case(case=apply(hospital), staff=both)
    with pytest.raises(InstitutionForbidden, match="受理人不能评估"):
        evaluate(case, both)


def test_another_citys_clerk_cannot_evaluate(hospital, clerks):
    case = accept_case(case=apply(hospital), staff=clerks["changzhi"]["accept"])
    with pytest.raises(InstitutionForbidden, match="不是该办件的所属经办机构"):
        evaluate(case, clerks["taiyuan"]["review"])


def test_an_unknown_criterion_is_refused_naming_it(hospital, clerks):
    from yibao.institutions.services import Finding, InstitutionInvalid, record_evaluation
    case = accept_case(case=apply(hospital), staff=clerks["changzhi"]["accept"])
    with pytest.raises(InstitutionInvalid, match="没有评估项 bogus"):
        record_evaluation(case=case, staff=clerks["changzhi"]["review"], findings={"bogus": Finding(True)},
                          written_on=DAY, onsite_on=DAY)


# --- 公示 -----------------------------------------------------------------------------------------

def test_publicity_lasts_five_working_days_and_review_waits_for_its_end(hospital, clerks):
    case = designate(hospital, clerks, through="调查")
    publicity = Publicity.objects.get(case=case)
    assert publicity.start == datetime.date(2026, 3, 3) and publicity.end == datetime.date(2026, 3, 9)
    with clock.override(publicity.end), pytest.raises(MoveNotAllowed, match="公示期至 2026-03-09 止"):
        advance_case(case=case, staff=clerks["changzhi"]["review"], action="review", opinion="期满")


def test_an_objection_must_be_answered_and_an_upheld_one_stops_the_designation(hospital, clerks):
    staff = clerks["changzhi"]["review"]
    case = designate(hospital, clerks, through="调查")
    publicity = Publicity.objects.get(case=case)
    with later(2):
        objection = raise_objection(publicity=publicity, raised_by="赵六", contact="13800000000",
                                    text="该院实际未开展住院业务")
    with later(10):
        with pytest.raises(MoveNotAllowed, match="异议尚未全部答复"):
            advance_case(case=case, staff=staff, action="review", opinion="期满")
        answer_objection(objection=objection, staff=staff, answer="经核实属实", upheld=True)
        with pytest.raises(MoveNotAllowed, match="公示异议成立"):
            advance_case(case=case, staff=staff, action="review", opinion="期满")


def test_an_objection_outside_the_publicity_is_refused(hospital, clerks):
    case = designate(hospital, clerks, through="调查")
    with later(30), pytest.raises(InstitutionRefused, match="不在公示期内"):
        raise_objection(publicity=Publicity.objects.get(case=case), raised_by="赵六", contact="13800000000",
                        text="异议")


# --- 协商谈判, 协议签订 ------------------------------------------------------------------------------

def test_signing_needs_the_negotiation_first(hospital, clerks):
    case = designate(hospital, clerks, through="审核")
    with later(10), pytest.raises(MoveNotAllowed, match="尚未记录协商谈判结果"):
        advance_case(case=case, staff=clerks["changzhi"]["review"], action="recognize", opinion="签订")


def test_negotiation_is_recorded_only_after_publicity(hospital, clerks):
    case = designate(hospital, clerks, through="调查")
    with pytest.raises(InstitutionRefused, match="不能办理此环节"):
        record_negotiation(case=case, staff=clerks["changzhi"]["review"], terms="条款")


def test_the_whole_procedure_is_due_within_ninety_natural_days(hospital, clerks):
    case = accept_case(case=apply(hospital), staff=clerks["changzhi"]["accept"])
    # 90 natural days end on Sunday 31 May 2026: the deadline moves to the next working day.
    assert DAY + datetime.timedelta(days=90) == datetime.date(2026, 5, 31)
    assert case.due_date == datetime.date(2026, 6, 1)
