"""好差评 for staff through the API: window ratings (一次一评) and the follow-up of bad reviews."""

from __future__ import annotations

from datetime import date

from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from yibao import clock
from yibao.api.auth import token_auth
from yibao.cases.api import ERRORS, EvaluationIn, EvaluationOut, _staff, _staff_case
from yibao.evaluations.selectors import follow_up_for_staff, follow_ups_for_staff
from yibao.evaluations.services import (
    close_follow_up,
    rate_case_at_window,
)

router = Router(auth=token_auth, tags=["好差评·经办人员"])


class FollowUpOut(Schema):
    id: int
    case_number: str
    item_name: str
    level: int
    level_label: str
    comment: str
    status: str
    due_date: date
    overdue: bool
    may_close: bool
    callback_note: str
    rectification_note: str


class FollowUpQuery(Schema):
    status: str = Field("", pattern="^(|open|closed)$", description="open 待整改 / closed 已办结")


class CloseIn(Schema):
    callback_note: str = Field(description="回访情况")
    rectification_note: str = Field(description="整改情况")


def _row(row) -> dict:
    follow_up, evaluation = row.follow_up, row.follow_up.evaluation
    return {
        "id": follow_up.pk, "case_number": evaluation.case.number, "item_name": evaluation.item.name,
        "level": evaluation.level, "level_label": evaluation.get_level_display(),
        "comment": evaluation.comment, "status": follow_up.status, "due_date": follow_up.due_date,
        "overdue": row.overdue, "may_close": row.may_close,
        "callback_note": follow_up.callback_note, "rectification_note": follow_up.rectification_note,
    }


@router.post("/staff/cases/{number}/evaluation", response={201: EvaluationOut, **ERRORS},
             summary="录入窗口评价（一次一评，受理机构窗口人员）")
def rate_at_window(request, number: str, body: EvaluationIn):
    staff = _staff(request)
    case = _staff_case(staff, number)
    evaluation = rate_case_at_window(case=case, staff=staff, level=body.level, comment=body.comment)
    return Status(201, {"number": case.number, "level": evaluation.level, "comment": evaluation.comment,
                        "channel": evaluation.channel})


@router.get("/staff/follow-ups", response={200: list[FollowUpOut], **ERRORS},
            summary="差评整改任务（本机构；待整改在前）")
def follow_ups(request, params: Query[FollowUpQuery]):
    staff = _staff(request)
    return [_row(row) for row in follow_ups_for_staff(staff, status=params.status)]


@router.post("/staff/follow-ups/{follow_up_id}/close", response={200: FollowUpOut, **ERRORS},
             summary="办结差评整改（科长；须填写回访情况和整改情况）")
def close(request, follow_up_id: int, body: CloseIn):
    staff = _staff(request)
    follow_up = follow_up_for_staff(staff, follow_up_id)
    if follow_up is None:
        raise HttpError(404, f"未找到差评整改任务 {follow_up_id}，或不属于{staff.agency.name}")
    close_follow_up(follow_up=follow_up, staff=staff, callback_note=body.callback_note,
                    rectification_note=body.rectification_note)
    row = next(r for r in follow_ups_for_staff(staff, today=clock.today())
               if r.follow_up.pk == follow_up.pk)
    return _row(row)
