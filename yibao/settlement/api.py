"""The settlement API (mounted under /api/): an institution declares its month and follows it.

Only an institution's token (login kind institution) reaches ``/api/settlement/…``; it sees
and changes only its own months. Staff act through the case (清算申请) and the console.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from yibao.api.auth import ErrorOut, ValidationErrorOut, token_auth
from yibao.settlement import services, validation
from yibao.settlement.errors import DeclarationNotFound
from yibao.settlement.models import Declaration, Deduction

router = Router(tags=["定点医药机构费用结算"], auth=token_auth)
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


def _institution_code(request) -> str:
    from yibao.institutions.selectors import institution_of

    institution = institution_of(request.auth) if request.api_token.kind == "inst" else None
    if institution is None or not institution.national_code:
        raise HttpError(403, "只有已定点的医药机构可以申报费用结算")
    return institution.national_code


def _month(request, month: str) -> Declaration:
    declaration = Declaration.objects.filter(institution_code=_institution_code(request),
                                             month=services.month_start(month)).first()
    if declaration is None:
        raise DeclarationNotFound(f"{month} 尚未开始申报")
    return declaration


class RecordsIn(Schema):
    records: list[dict[str, Any]] = Field(max_length=services.MAX_BATCH,
                                          description="结算明细，每条的字段见 docs/settlement.md（最多 5000 条）")


class ProblemOut(Schema):
    row: int
    message: str


class BatchOut(Schema):
    accepted: int = Field(description="本批新接收条数")
    repeated: int = Field(description="已接收过、内容相同而未重复处理的条数")
    problems: list[ProblemOut]


class LineOut(Schema):
    fund: str
    pool: str
    records: int
    declared: Decimal
    deducted: Decimal
    approved: Decimal
    withheld: Decimal
    payable: Decimal


class DeductionOut(Schema):
    id: int
    settlement_id: str
    fund: str
    amount: Decimal
    reason_code: str
    reason: str
    note: str
    objection_state: str
    objection_reason: str
    decision_note: str


class MonthOut(Schema):
    month: str
    status: str
    status_label: str
    records: int
    declared_on: date | None
    due_date: date | None = Field(description="拨付期限：申报后 30 个工作日")
    problems: list[ProblemOut] = Field(description="有问题的明细（前 1000 条）")
    deductions: list[DeductionOut]
    statement: list[LineOut]
    deposit_share: Decimal | None
    deposit_note: str = Field(description="质量保证金比例为示例参数时的说明")


class ObjectionIn(Schema):
    reason: str = Field(min_length=1, max_length=500)


class ConfirmIn(Schema):
    bank_name: str = Field(min_length=1, max_length=100, description="收款开户银行")
    account_number: str = Field(min_length=8, max_length=32, description="收款银行账号")


def _out(declaration: Declaration) -> dict:
    return {
        "month": f"{declaration.month:%Y-%m}", "status": declaration.status,
        "status_label": declaration.get_status_display(), "records": declaration.records.count(),
        "declared_on": declaration.declared_on, "due_date": declaration.due_date,
        "problems": [{"row": r, "message": m} for r, m in validation.problems(declaration, limit=1000)],
        "deductions": [{"id": d.pk, "settlement_id": d.record.settlement_id, "fund": d.fund, "amount": d.amount,
                        "reason_code": d.reason_code, "reason": d.reason, "note": d.note,
                        "objection_state": d.objection_state, "objection_reason": d.objection_reason,
                        "decision_note": d.decision_note}
                       for d in declaration.deductions.select_related("record").order_by("pk")[:1000]],
        "statement": list(declaration.lines.values("fund", "pool", "records", "declared", "deducted", "approved",
                                                   "withheld", "payable")),
        "deposit_share": declaration.deposit_share,
        "deposit_note": "质量保证金比例为示例参数，须按本地现行文件核定" if declaration.deposit_share_is_demo else "",
    }


@router.get("/settlement/{month}", response={200: MonthOut, **ERRORS}, summary="本机构某月的申报、扣款和结算单")
def month_detail(request, month: str):
    return _out(_month(request, month))


@router.post("/settlement/{month}/records", response={200: BatchOut, **ERRORS},
             summary="报送一批直接结算明细（按结算编号幂等）")
def add_records(request, month: str, body: RecordsIn):
    code = _institution_code(request)
    declaration = services.open_declaration(actor=request.auth.get_username(), institution_code=code, month=month)
    report = services.add_records(actor=request.auth.get_username(), institution_code=code,
                                  declaration=declaration, records=body.records)
    return {"accepted": report.accepted, "repeated": report.repeated,
            "problems": [{"row": r, "message": m} for r, m in report.problems]}


@router.post("/settlement/{month}/declare", response={200: MonthOut, **ERRORS}, summary="申报（开始计算 30 个工作日）")
def declare(request, month: str):
    declaration = services.declare(actor=request.auth.get_username(), institution_code=_institution_code(request),
                                   declaration=_month(request, month))
    return _out(declaration)


@router.post("/settlement/deductions/{deduction_id}/objection", response={200: DeductionOut, **ERRORS},
             summary="对一笔扣款提出申诉（每笔一次）")
def object_to(request, deduction_id: int, body: ObjectionIn):
    code = _institution_code(request)
    deduction = Deduction.objects.filter(pk=deduction_id, declaration__institution_code=code).first()
    if deduction is None:
        raise DeclarationNotFound("没有这笔扣款")
    d = services.object_to_deduction(actor=request.auth.get_username(), institution_code=code,
                                     deduction=deduction, reason=body.reason)
    return {"id": d.pk, "settlement_id": d.record.settlement_id, "fund": d.fund, "amount": d.amount,
            "reason_code": d.reason_code, "reason": d.reason, "note": d.note, "objection_state": d.objection_state,
            "objection_reason": d.objection_reason, "decision_note": d.decision_note}


@router.post("/settlement/{month}/confirm", response={200: MonthOut, **ERRORS}, summary="确认结算单（清算确认书）")
def confirm(request, month: str, body: ConfirmIn):
    declaration = services.confirm_statement(
        actor=request.auth.get_username(), declaration=_month(request, month), side="institution",
        institution_code=_institution_code(request), bank_name=body.bank_name, account_number=body.account_number)
    return _out(declaration)
