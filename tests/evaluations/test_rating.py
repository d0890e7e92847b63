"""Rating a case (好差评): who, when, how often, and what a bad review sets off."""

import datetime

import pytest

from tests.evaluations.conftest import apply
from tests.factories import StaffFactory
from yibao import clock
from yibao.audit.models import AuditEntry
from yibao.cases.services import accept_case
from yibao.evaluations.models import Evaluation, FollowUp, FollowUpStatus
from yibao.evaluations.services import (
    EvaluationNotAllowed,
    InvalidEvaluation,
    close_follow_up,
    rate_case,
    rate_case_at_window,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_day(monkeypatch):
    """Freeze django.utils.timezone.localdate (the day a follow-up opens or is judged)."""
    def set_day(day):
        monkeypatch.setattr(clock, "_fixed", clock.at_noon(day))
    return set_day


def test_the_applicant_rates_a_completed_case_once(completed_case, person, agencies):
    evaluation = rate_case(case=completed_case, user=person.user, level=1, comment="办得很快")
    assert evaluation.get_level_display() == "非常满意" and evaluation.channel == "online_hall"
    assert evaluation.agency == agencies["zezhou"] and evaluation.home_agency == agencies["zezhou"]
    assert evaluation.item_id == completed_case.item_id and evaluation.created_by == person.user
    assert not evaluation.is_bad and not FollowUp.objects.exists()
    assert AuditEntry.objects.filter(action="evaluation.rate", object_id=completed_case.number).count() == 1
    with pytest.raises(EvaluationNotAllowed, match="该办件已评价，每件只能评价一次"):
        rate_case(case=completed_case, user=person.user, level=2)
    assert Evaluation.objects.count() == 1


def test_a_refused_case_can_be_rated(refused_case, person):
    assert rate_case(case=refused_case, user=person.user, level=3, channel="wechat").channel == "wechat"


def test_only_the_applicant_may_rate(completed_case, staff):
    with pytest.raises(EvaluationNotAllowed, match="只有申请人本人"):
        rate_case(case=completed_case, user=staff["zezhou"]["accept"].user, level=1)
    assert not Evaluation.objects.exists()


def test_an_open_case_cannot_be_rated(reimbursement, person, staff):
    case = apply(reimbursement, person)
    with pytest.raises(EvaluationNotAllowed, match="「待受理」，办结或不予受理后才能评价"):
        rate_case(case=case, user=person.user, level=1)
    accept_case(case=case, staff=staff["zezhou"]["accept"])
    with pytest.raises(EvaluationNotAllowed, match="已受理"):
        rate_case(case=case, user=person.user, level=1)
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("level", [0, 6, -1, "七", "", None, 2.5, True])
def test_level_outside_one_to_five_is_refused(completed_case, person, level):
    with pytest.raises(InvalidEvaluation, match=r"字段 评价等级：应为 1（非常满意）到 5（非常不满意）"):
        rate_case(case=completed_case, user=person.user, level=level)
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("level", [4, 5])
def test_a_bad_review_needs_a_comment(completed_case, person, level):
    with pytest.raises(InvalidEvaluation, match="差评请说明原因"):
        rate_case(case=completed_case, user=person.user, level=level, comment="   ")
    assert not Evaluation.objects.exists() and not FollowUp.objects.exists()


def test_a_comment_longer_than_500_characters_is_refused(completed_case, person):
    with pytest.raises(InvalidEvaluation, match="字段 评价内容：不能超过 500 个字（现为 501 个字）"):
        rate_case(case=completed_case, user=person.user, level=1, comment="好" * 501)
    assert rate_case(case=completed_case, user=person.user, level=1, comment="好" * 500)


@pytest.mark.parametrize("channel,message", [("window", "窗口经办人员录入"), ("fax", "「fax」无效")])
def test_a_wrong_channel_is_refused(completed_case, person, channel, message):
    with pytest.raises(InvalidEvaluation, match=message):
        rate_case(case=completed_case, user=person.user, level=1, channel=channel)


def test_a_bad_review_opens_a_follow_up_due_in_ten_working_days(completed_case, person, agencies, on_day):
    on_day(datetime.date(2026, 9, 28))  # Monday; 国庆 10-01..10-07, 10-10 is a make-up Saturday
    evaluation = rate_case(case=completed_case, user=person.user, level=5, comment="态度差，跑了三趟")
    follow_up = evaluation.follow_up
    assert follow_up.home_agency == agencies["zezhou"] and follow_up.accepting_agency is None
    assert follow_up.status == FollowUpStatus.OPEN
    # 9-29, 9-30, 10-8, 10-9, 10-10 (make-up), 10-12 … 10-16: the tenth working day after 9-28.
    assert follow_up.due_date == datetime.date(2026, 10, 16)
    assert not follow_up.is_overdue(datetime.date(2026, 10, 16))
    assert follow_up.is_overdue(datetime.date(2026, 10, 19))


def test_a_bad_review_of_a_tongban_case_reaches_both_agencies(cross_case, person, agencies, windows):
    evaluation = rate_case(case=cross_case, user=person.user, level=4, comment="等候太久")
    assert evaluation.agency == agencies["gaoping"] and evaluation.window == windows["gaoping"]
    assert evaluation.home_agency == agencies["zezhou"]
    assert evaluation.follow_up.home_agency == agencies["zezhou"]
    assert evaluation.follow_up.accepting_agency == agencies["gaoping"]


def test_window_rating_is_recorded_by_a_clerk_of_the_accepting_agency(cross_case, staff, person):
    with pytest.raises(EvaluationNotAllowed, match="受理该办件的经办机构"):
        rate_case_at_window(case=cross_case, staff=staff["zezhou"]["accept"], level=1, comment="")
    with pytest.raises(EvaluationNotAllowed, match="不是在岗的窗口受理人员"):
        rate_case_at_window(case=cross_case, staff=staff["gaoping"]["review"], level=1, comment="")
    evaluation = rate_case_at_window(case=cross_case, staff=staff["gaoping"]["accept"], level=2, comment="")
    assert evaluation.channel == "window" and evaluation.recorded_by == staff["gaoping"]["accept"]
    with pytest.raises(EvaluationNotAllowed, match="每件只能评价一次"):
        rate_case(case=cross_case, user=person.user, level=1)


def test_closing_a_follow_up_needs_both_notes_and_the_home_agencys_supervisor(cross_case, person, staff):
    follow_up = rate_case(case=cross_case, user=person.user, level=5, comment="材料被退回两次").follow_up
    for wrong in (staff["gaoping"]["supervise"], staff["zezhou"]["review"], staff["city"]["supervise"]):
        with pytest.raises(EvaluationNotAllowed, match="只有所属经办机构的科长"):
            close_follow_up(follow_up=follow_up, staff=wrong, callback_note="已回访", rectification_note="已整改")
    boss = staff["zezhou"]["supervise"]
    with pytest.raises(InvalidEvaluation, match="字段 回访情况：必填"):
        close_follow_up(follow_up=follow_up, staff=boss, callback_note=" ", rectification_note="已整改")
    with pytest.raises(InvalidEvaluation, match="字段 整改情况：必填"):
        close_follow_up(follow_up=follow_up, staff=boss, callback_note="已电话回访", rectification_note="")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN and follow_up.callback_note == ""
    closed = close_follow_up(follow_up=follow_up, staff=boss, callback_note="已电话回访，申请人认可",
                             rectification_note="一次性告知材料清单已上墙")
    assert closed.status == FollowUpStatus.CLOSED and closed.closed_by == boss
    assert AuditEntry.objects.filter(action="evaluation.follow_up_close").count() == 1
    with pytest.raises(EvaluationNotAllowed, match="已办结"):
        close_follow_up(follow_up=follow_up, staff=boss, callback_note="x", rectification_note="y")


def test_an_inactive_supervisor_cannot_close(completed_case, person, agencies):
    follow_up = rate_case(case=completed_case, user=person.user, level=4, comment="慢").follow_up
    retired = StaffFactory(agency=agencies["zezhou"], roles=["supervise"], is_active=False)
    with pytest.raises(EvaluationNotAllowed):
        close_follow_up(follow_up=follow_up, staff=retired, callback_note="a", rectification_note="b")
