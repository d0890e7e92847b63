"""Writes of 好差评: rating a case and closing the follow-up of a bad review.

国办发〔2019〕51号: 一事一评 online (网上服务大厅、微信、App) by the applicant,
一次一评 at the window (recorded here by the window clerk on the applicant's
behalf); every named bad review is called back and rectified — Taiyuan's rule:
within 10 working days (太原市医疗保障经办服务指南).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from yibao import clock
from yibao.agencies.models import Role, StaffMember
from yibao.agencies.selectors import staff_can
from yibao.audit.services import record_audit
from yibao.cases.lifecycle import RATEABLE
from yibao.cases.models import Case, Channel
from yibao.errors import DomainError
from yibao.evaluations.models import (
    BAD_LEVELS,
    COMMENT_MAX,
    Evaluation,
    FollowUp,
    FollowUpStatus,
    Level,
)
from yibao.evaluations.selectors import ALREADY_RATED, rating_refusal
from yibao.workdays.calendar import add_working_days

__all__ = ["ALREADY_RATED", "RATEABLE"]  # re-exported: the API compares refusals with ALREADY_RATED

RECTIFICATION_WORKING_DAYS = 10
NOTE_MAX = 1000
ONLINE_CHANNELS = (Channel.ONLINE_HALL, Channel.WECHAT, Channel.APP)
LEVEL_MESSAGE = "字段 评价等级：应为 1（非常满意）到 5（非常不满意）"


class EvaluationError(DomainError):
    """Base of every refusal of 好差评; the message is for the user."""

    code = "evaluation_invalid"


class InvalidEvaluation(EvaluationError):
    pass


class EvaluationNotAllowed(EvaluationError):
    kind = "forbidden"
    code = "evaluation_not_allowed"


class AlreadyRated(EvaluationNotAllowed):
    kind = "conflict"
    code = "already_rated"


def _not_allowed(refusal: str) -> EvaluationNotAllowed:
    return AlreadyRated(refusal) if refusal == ALREADY_RATED else EvaluationNotAllowed(refusal)


def _level(level) -> int:
    if isinstance(level, bool):
        raise InvalidEvaluation(LEVEL_MESSAGE)
    if isinstance(level, str):
        level = level.strip()
        if not level.isdigit():
            raise InvalidEvaluation(LEVEL_MESSAGE)
        level = int(level)
    if not isinstance(level, int) or level not in Level.values:
        raise InvalidEvaluation(LEVEL_MESSAGE)
    return level


def _comment(comment, level: int) -> str:
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise InvalidEvaluation("字段 评价内容：应为文字")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidEvaluation(f"字段 评价内容：不能超过 {COMMENT_MAX} 个字（现为 {len(comment)} 个字）")
    if level in BAD_LEVELS and not comment:
        raise InvalidEvaluation("字段 评价内容：差评请说明原因")
    return comment


def _locked_case(case: Case) -> Case:
    # Lock the case row so two submissions of the same rating are serialised (PostgreSQL).
    return Case.objects.select_for_update().get(pk=case.pk)


def _record(*, case: Case, level, comment, channel: str, user, staff: StaffMember | None) -> Evaluation:
    level = _level(level)
    comment = _comment(comment, level)
    agency_id = case.accepting_agency_id or case.home_agency_id
    evaluation = Evaluation(
        case=case, level=level, comment=comment, channel=channel, region_id=case.region_id,
        agency_id=agency_id, window_id=case.accepting_window_id, home_agency_id=case.home_agency_id,
        item_id=case.item_id, created_by=user, recorded_by=staff,
    )
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError as exc:
        raise AlreadyRated(ALREADY_RATED) from exc
    actor = staff.user.username if staff else user.username
    record_audit(actor=actor, action="evaluation.rate", object_type="Case", object_id=case.number,
                 channel=channel, after={"level": level, "comment": comment or None,
                                         "recorded_by": staff.user.username if staff else None})
    if level in BAD_LEVELS:
        _open_follow_up(evaluation, case=case, actor=actor)
    return evaluation


def _open_follow_up(evaluation: Evaluation, *, case: Case, actor: str) -> FollowUp:
    today = clock.today()
    cross = case.is_cross_agency and case.accepting_agency_id not in (None, case.home_agency_id)
    follow_up = FollowUp.objects.create(
        evaluation=evaluation, home_agency_id=case.home_agency_id,
        accepting_agency_id=case.accepting_agency_id if cross else None,
        due_date=add_working_days(today, RECTIFICATION_WORKING_DAYS),
    )
    record_audit(actor=actor, action="evaluation.follow_up_open", object_type="FollowUp", object_id=follow_up.pk,
                 after={"case": case.number, "due_date": follow_up.due_date.isoformat()})
    return follow_up


@transaction.atomic
def rate_case(*, case: Case, user, level: int, comment: str = "", channel: str = "online_hall") -> Evaluation:
    """一事一评 by the applicant of a completed or refused case, once; a bad review opens a follow-up."""
    case = _locked_case(case)
    refusal = rating_refusal(case, user=user)
    if refusal:
        raise _not_allowed(refusal)
    if channel == Channel.WINDOW:
        raise InvalidEvaluation("字段 评价渠道：窗口评价（一次一评）请由窗口经办人员录入")
    if channel not in ONLINE_CHANNELS:
        raise InvalidEvaluation(f"字段 评价渠道：「{channel}」无效，应为 online_hall、wechat 或 app")
    return _record(case=case, level=level, comment=comment, channel=channel, user=user, staff=None)


@transaction.atomic
def rate_case_at_window(*, case: Case, staff: StaffMember, level: int, comment: str = "") -> Evaluation:
    """一次一评 at the window, recorded by a clerk of the accepting agency on the applicant's behalf."""
    case = _locked_case(case)
    refusal = rating_refusal(case, staff=staff)
    if refusal:
        raise _not_allowed(refusal)
    return _record(case=case, level=level, comment=comment, channel=Channel.WINDOW, user=staff.user, staff=staff)


def _note(value, field: str) -> str:
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        raise InvalidEvaluation(f"字段 {field}：应为文字")
    if not value:
        raise InvalidEvaluation(f"字段 {field}：必填")
    if len(value) > NOTE_MAX:
        raise InvalidEvaluation(f"字段 {field}：不能超过 {NOTE_MAX} 个字")
    return value


@transaction.atomic
def close_follow_up(*, follow_up: FollowUp, staff: StaffMember, callback_note: str,
                    rectification_note: str) -> FollowUp:
    """办结差评整改 with the call-back (回访情况) and the rectification (整改情况); 科长 of the home agency only."""
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if not staff_can(staff, Role.SUPERVISE) or staff.agency_id != follow_up.home_agency_id:
        raise EvaluationNotAllowed("只有所属经办机构的科长可以办结差评整改")
    if follow_up.status != FollowUpStatus.OPEN:
        raise EvaluationNotAllowed("该差评整改已办结")
    callback = _note(callback_note, "回访情况")
    rectification = _note(rectification_note, "整改情况")
    now = timezone.now()
    changed = FollowUp.objects.filter(pk=follow_up.pk, status=FollowUpStatus.OPEN).update(
        status=FollowUpStatus.CLOSED, callback_note=callback, rectification_note=rectification,
        closed_at=now, closed_by=staff)
    if changed != 1:
        raise EvaluationNotAllowed("该差评整改已办结")
    follow_up.refresh_from_db()
    record_audit(actor=staff.user.username, action="evaluation.follow_up_close", object_type="FollowUp",
                 object_id=follow_up.pk, before={"status": FollowUpStatus.OPEN},
                 after={"status": FollowUpStatus.CLOSED, "callback_note": callback,
                        "rectification_note": rectification,
                        "overdue": follow_up.is_overdue(timezone.localtime(now).date())})
    return follow_up
