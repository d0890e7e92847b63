"""The reimbursement API (django-ninja router, mounted under /api/).

Claims are filed through the case API (``POST /api/cases`` with the item's ``form_data``);
here: the 费用明细清单 template and its upload (checked lines to put into ``form_data.lines``),
a claim's episode, lines with their money stages and settlement (its claimant and the staff
who may handle it only), the reviewer's line adjustment, the 结算单, and the 意外伤害认定's
调查 and 认定.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from yibao.agencies.models import StaffMember
from yibao.api.auth import ErrorOut, ValidationErrorOut, field_error, token_auth
from yibao.api.callers import staff_or_none
from yibao.cases.models import Case
from yibao.ids import mask_resident_id
from yibao.reimbursement import selectors, services
from yibao.reimbursement.lines_file import LinesRefused, lines_from_workbook, template_xlsx
from yibao.reimbursement.models import AdjustReason, Claim
from yibao.reimbursement.pdf import settlement_statement_of

router = Router(tags=["零星报销"], auth=token_auth)
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ValidationErrorOut}
MAX_FILE_BYTES = 2 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LineOut(Schema):
    row: int
    item_code: str
    item_name: str
    grade: str
    unit_price: Decimal
    quantity: Decimal
    price_ceiling: Decimal | None
    self_pay_ratio: Decimal | None
    claimed_amount: Decimal = Field(description="申报金额")
    adjusted_amount: Decimal | None = Field(description="审核调整后金额")
    adjust_reason: str = Field(description="调整原因代码")
    adjust_reason_label: str
    adjust_note: str
    approved_amount: Decimal | None = Field(description="核准金额")


class ClaimOut(Schema):
    case_number: str
    item: str
    status: str
    person_name: str
    person_id_number: str = Field(description="公民身份号码（经办人员查看时脱敏）")
    insurance_type: str
    med_type: str
    institution_code: str
    institution_name: str
    institution_local: bool
    hospital_level: str
    admission_date: str
    discharge_date: str
    diagnosis: str
    referral: str
    filing_in_force: bool
    accident: bool
    bills: list[str]
    claimed_total: Decimal
    approved_total: Decimal | None
    fund_paid: Decimal | None
    personal_paid: Decimal | None
    settlement: dict = Field(description="结算字段、计算步骤（参数、施行日期、依据）与示例参数提示")
    lines: list[LineOut]


class LinesFileIn(Schema):
    content_base64: str = Field(max_length=3 * 1024 * 1024, description="费用明细清单 .xlsx 的 Base64 编码")


class LinesOut(Schema):
    lines: list[dict] = Field(description="可直接放入申请 form_data.lines 的费用明细")


class AdjustIn(Schema):
    amount: Decimal = Field(description="调整后金额（元），不高于申报金额")
    reason: str = Field(description="调整原因代码：" + "、".join(f"{r.value} {r.label}" for r in AdjustReason))
    note: str = Field("", max_length=200, description="调整说明")


class InvestigateIn(Schema):
    notes: str = Field(min_length=1, max_length=4000, description="调查记录：受伤经过、有无责任第三方")
    investigator: str = Field("", max_length=100, description="调查人员姓名（默认为本人）")
    third_party_liable: bool | None = Field(None, description="有责任第三方：true 有，false 无，null 无法确定")
    third_party: str = Field("", max_length=100, description="责任第三方（有责任第三方时必填）")
    window: str | None = None


class DetermineIn(Schema):
    eligible: bool = Field(description="true 符合（纳入医保支付）；false 不符合（个人负担）")
    reason: str = Field("", max_length=300, description="认定理由；不符合时必填（如应由第三人负担，社会保险法第三十条）")
    window: str | None = None


def _staff(request) -> StaffMember | None:
    return staff_or_none(request)


def _staff_only(request) -> StaffMember:
    staff = _staff(request)
    if staff is None:
        raise HttpError(403, "仅限经办人员")
    return staff


def _case(request, number: str) -> tuple[Case, bool]:
    """The case and whether the asker is staff; 404 for anyone else (no hint that it exists)."""
    staff = _staff(request)
    case = (selectors.case_for_staff(staff, number) if staff is not None
            else selectors.case_for_claimant(request.auth, number) if request.api_token.kind == "person" else None)
    if case is None:
        raise HttpError(404, f"未找到办件 {number}")
    return case, staff is not None


def _claim_out(claim: Claim, *, staff: bool) -> dict:
    return {
        "case_number": claim.case.number, "item": claim.case.item.name, "status": claim.get_status_display(),
        "person_name": claim.person.name,
        "person_id_number": mask_resident_id(claim.person.id_number) if staff else claim.person.id_number,
        "insurance_type": claim.insurance_type, "med_type": claim.med_type,
        "institution_code": claim.institution_code, "institution_name": claim.institution_name,
        "institution_local": claim.institution_local, "hospital_level": claim.hospital_level,
        "admission_date": claim.admission_date.isoformat(), "discharge_date": claim.discharge_date.isoformat(),
        "diagnosis": f"{claim.diagnosis_name} {claim.diagnosis_code}".strip(), "referral": claim.referral,
        "filing_in_force": claim.filing_in_force, "accident": claim.accident,
        "bills": [bill.bill_number for bill in claim.bills.all()],
        "claimed_total": claim.claimed_total, "approved_total": claim.approved_total,
        "fund_paid": claim.fund_paid, "personal_paid": claim.personal_paid, "settlement": claim.settlement,
        "lines": [{"row": line.row, "item_code": line.item_code, "item_name": line.item_name, "grade": line.grade,
                   "unit_price": line.unit_price, "quantity": line.quantity, "price_ceiling": line.price_ceiling,
                   "self_pay_ratio": line.self_pay_ratio, "claimed_amount": line.claimed_amount,
                   "adjusted_amount": line.adjusted_amount, "adjust_reason": line.adjust_reason,
                   "adjust_reason_label": line.get_adjust_reason_display() if line.adjust_reason else "",
                   "adjust_note": line.adjust_note, "approved_amount": line.approved_amount}
                  for line in claim.lines.all()],
    }


@router.get("/reimbursement/lines/template", auth=None, response={200: None},
            summary="下载费用明细清单模板（.xlsx）")
def lines_template(request):
    response = HttpResponse(template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E8%B4%B9%E7%94%A8%E6%98%8E%E7%BB%86.xlsx"
    return response


@router.post("/reimbursement/lines", response={200: LinesOut, **ERRORS},
             summary="上传费用明细清单，返回校验后的明细（每一错误行按行号列出）")
def upload_lines(request, body: LinesFileIn):
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        return Status(422, field_error("content_base64", "不是有效的 Base64 编码"))
    if len(content) > MAX_FILE_BYTES:
        return Status(422, field_error("content_base64", f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB"))
    try:
        return Status(200, {"lines": lines_from_workbook(content)})
    except LinesRefused as exc:
        return Status(422, {"detail": str(exc), "errors": [{"field": "file", "message": p} for p in exc.problems]})


@router.get("/reimbursement/claims/{number}", response={200: ClaimOut, **ERRORS},
            summary="报销申请：就医信息、明细各阶段金额、结算结果（申请人本人和经办人员）")
def claim_detail(request, number: str):
    case, staff = _case(request, number)
    claim = selectors.claim_of_case(case)
    if claim is None:
        raise HttpError(404, f"办件 {number} 尚未受理，没有报销记录")
    return Status(200, _claim_out(claim, staff=staff))


@router.post("/reimbursement/claims/{number}/lines/{row}/adjust", response={200: ClaimOut, **ERRORS},
             summary="审核调整一行费用明细（审核人员）")
def adjust(request, number: str, row: int, body: AdjustIn):
    staff = _staff_only(request)
    case, _ = _case(request, number)
    line = services.adjust_line(case=case, staff=staff, row=row, amount=body.amount, reason=body.reason,
                                note=body.note)
    return Status(200, _claim_out(line.claim, staff=True))


@router.get("/reimbursement/claims/{number}/statement", response={200: None, **ERRORS},
            summary="下载结算单 PDF（办结后）")
def statement(request, number: str):
    case, _ = _case(request, number)
    content = settlement_statement_of(case)
    if content is None:
        raise HttpError(404, f"办件 {number} 尚未办结，没有结算单")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="settlement-{case.number}.pdf"'
    return response


@router.post("/reimbursement/accidents/{number}/investigate", response={200: dict, **ERRORS},
             summary="意外伤害认定：记录调查并完成调查环节（审核人员）")
def investigate(request, number: str, body: InvestigateIn):
    staff = _staff_only(request)
    case, _ = _case(request, number)
    services.investigate_accident(case=case, staff=staff, notes=body.notes, investigator=body.investigator,
                                  third_party_liable=body.third_party_liable, third_party=body.third_party,
                                  window=_window(staff, body.window))
    return Status(200, {"case_number": number, "status": Case.objects.get(pk=case.pk).get_status_display()})


@router.post("/reimbursement/accidents/{number}/determine", response={200: dict, **ERRORS},
             summary="意外伤害认定：认定符合或不符合（审核人员）")
def determine(request, number: str, body: DetermineIn):
    staff = _staff_only(request)
    case, _ = _case(request, number)
    determination = services.determine_accident(case=case, staff=staff, eligible=body.eligible, reason=body.reason,
                                                 window=_window(staff, body.window))
    return Status(200, {"case_number": number, "outcome": determination.get_outcome_display(),
                        "reason": determination.reason})


def _window(staff: StaffMember, number: str | None):
    if not number:
        return None
    window = staff.agency.windows.filter(number=number.strip(), is_active=True).first()
    if window is None:
        raise services.ReimbursementError(f"字段 window：窗口「{number}」不属于{staff.agency.name}或已停用")
    return window
