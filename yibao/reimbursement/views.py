"""Console pages of the reimbursement domain (thin views: parse the form, call one service, render).

- 审核调整: the claim's lines with their money stages (申报 / 审核调整 / 核准), a per-line adjustment
  form (amount, reason code, note) for the home agency's reviewer while the case awaits 审核, and
  the calculation (the stored settlement after 拨付, else a preview on the current amounts).
- 意外伤害认定: the 调查 record (investigator, findings, whether a third party is liable) and the
  认定 (符合 / 不符合 with the reason).

A refused form is shown again with its Chinese message (status 400/403/409) and nothing changes;
every change is audited by the service.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from yibao.agencies.models import Role
from yibao.agencies.selectors import staff_can, staff_roles, windows_of
from yibao.cases import lifecycle
from yibao.cases.models import Case, CaseStatus
from yibao.cases.routing import may_handle
from yibao.console.forms import FormError, parse_window
from yibao.console.views import staff_required
from yibao.errors import DomainError
from yibao.reimbursement import selectors, services, settlement
from yibao.reimbursement.models import AdjustReason
from yibao.rules.parameters import DEMO_NOTE

ACCIDENT_KEY = "accident_determination"
LIABLE_CHOICES = (("yes", "有责任第三方"), ("no", "无责任第三方"), ("unknown", "无法确定第三方"))
LIABLE_VALUES = {"yes": True, "no": False, "unknown": None}


def _context(request, case: Case, **extra) -> dict:
    roles = staff_roles(request.staff)
    return {"staff": request.staff, "role_labels": [label for value, label in Role.choices if value in roles],
            "case": case, "windows": list(windows_of(request.staff.agency)),
            "default_window_id": request.staff.default_window_id, **extra}


def _case(request, number: str, *, accident: bool) -> Case:
    case = selectors.case_for_staff(request.staff, number)
    handler = (case.item.data or {}).get("handler", "") if case is not None else ""
    if case is None or (handler == ACCIDENT_KEY) != accident or not handler.startswith(
            ("reimbursement_", ACCIDENT_KEY)):
        raise Http404("未找到或无权查看该办件")
    return case


def _status(exc: DomainError) -> int:
    return exc.http_status if 400 <= exc.http_status < 500 else 400


# --- 审核调整 -------------------------------------------------------------------------------

def _calculation(claim) -> tuple[dict | None, str]:
    """The stored settlement (after 拨付), else a preview on the current amounts; or why none."""
    if claim.settlement:
        return claim.settlement, ""
    try:
        return settlement.preview(claim).as_json(), ""
    except DomainError as exc:
        return None, str(exc)


def _render_claim(request, case: Case, *, error: str = "", status: int = 200, posted=None):
    claim = selectors.claim_of_case(case)
    if claim is None:
        raise Http404(f"办件 {case.number} 尚未受理，没有报销记录")
    calculation, calculation_error = _calculation(claim)
    may_adjust = (case.status == CaseStatus.ACCEPTED and staff_can(request.staff, "review")
                  and may_handle(staff=request.staff, case=case))
    return render(request, "reimbursement/claim_review.html", _context(
        request, case, claim=claim, lines=list(claim.lines.all()), may_adjust=may_adjust,
        reasons=AdjustReason.choices, calculation=calculation, calculation_error=calculation_error,
        final=bool(claim.settlement), demo_note=DEMO_NOTE, error=error, posted=posted or {}), status=status)


@require_GET
@staff_required
def claim_review(request, number: str):
    return _render_claim(request, _case(request, number, accident=False))


def _parse_adjustment(data) -> tuple[int, Decimal, str, str]:
    raw_row = data.get("row", "").strip()
    if not raw_row.isdigit():
        raise FormError("字段 行号：请选择要调整的费用明细行")
    row = int(raw_row)
    raw_amount = data.get("amount", "").strip()
    try:
        amount = Decimal(raw_amount)
    except InvalidOperation:
        amount = None
    if not raw_amount or amount is None or not amount.is_finite() or len(raw_amount) > 20:
        raise FormError(f"字段 第 {row} 行 调整后金额：须为金额（元），如 120.50")
    reason = data.get("reason", "").strip()
    if reason not in AdjustReason.values:
        raise FormError(f"字段 第 {row} 行 调整原因：请选择调整原因")
    return row, amount, reason, data.get("note", "")


@require_POST
@staff_required
def adjust_line(request, number: str):
    """审核调整 one line (amount, reason code, note) through ``services.adjust_line``."""
    case = _case(request, number, accident=False)
    try:
        row, amount, reason, note = _parse_adjustment(request.POST)
        line = services.adjust_line(case=case, staff=request.staff, row=row, amount=amount, reason=reason, note=note)
    except FormError as exc:
        return _render_claim(request, case, error=str(exc), status=400, posted=request.POST)
    except DomainError as exc:
        return _render_claim(request, case, error=str(exc), status=_status(exc), posted=request.POST)
    messages.success(request, f"第 {line.row} 行已调整为 {line.adjusted_amount} 元（{line.get_adjust_reason_display()}）")
    return redirect("reimbursement:claim_review", number=case.number)


# --- 意外伤害认定 -----------------------------------------------------------------------------

def _render_accident(request, case: Case, *, error: str = "", status: int = 200, posted=None):
    determination = selectors.determination_of_case(case)
    if determination is None:
        raise Http404(f"办件 {case.number} 尚未受理，没有意外伤害认定记录")
    handles = staff_can(request.staff, "review") and may_handle(staff=request.staff, case=case)
    step = lifecycle.next_step(case.steps, case.status)
    may_investigate = handles and step is not None and step.action == "investigate"
    may_decide = handles and step is not None and step.action == "recognize" and not determination.outcome
    return render(request, "reimbursement/accident.html", _context(
        request, case, determination=determination, may_investigate=may_investigate, may_decide=may_decide,
        liable_choices=LIABLE_CHOICES, fields=dict(case.form_data or {}), error=error, posted=posted or {}),
        status=status)


@require_GET
@staff_required
def accident(request, number: str):
    return _render_accident(request, _case(request, number, accident=True))


def _window(request):
    return parse_window(request.POST.get("window", ""), windows_of(request.staff.agency))


@require_POST
@staff_required
def investigate(request, number: str):
    """调查: the record and the 调查 step (``services.investigate_accident``)."""
    case = _case(request, number, accident=True)
    data = request.POST
    try:
        liable = data.get("third_party_liable", "")
        if liable not in LIABLE_VALUES:
            raise FormError("字段 有无责任第三方：请选择 有责任第三方、无责任第三方 或 无法确定第三方")
        services.investigate_accident(
            case=case, staff=request.staff, notes=data.get("notes", ""), investigator=data.get("investigator", ""),
            third_party_liable=LIABLE_VALUES[liable], third_party=data.get("third_party", ""), window=_window(request))
    except FormError as exc:
        return _render_accident(request, case, error=str(exc), status=400, posted=data)
    except DomainError as exc:
        return _render_accident(request, case, error=str(exc), status=_status(exc), posted=data)
    messages.success(request, f"办件 {case.number} 已记录调查，待认定")
    return redirect("reimbursement:accident", number=case.number)


@require_POST
@staff_required
def determine(request, number: str):
    """认定: 符合 or 不符合 with the reason (``services.determine_accident``)."""
    case = _case(request, number, accident=True)
    data = request.POST
    try:
        outcome = data.get("outcome", "")
        if outcome not in ("eligible", "ineligible"):
            raise FormError("字段 认定结论：请选择 符合 或 不符合")
        determination = services.determine_accident(case=case, staff=request.staff, eligible=outcome == "eligible",
                                                     reason=data.get("reason", ""), window=_window(request))
    except FormError as exc:
        return _render_accident(request, case, error=str(exc), status=400, posted=data)
    except DomainError as exc:
        return _render_accident(request, case, error=str(exc), status=_status(exc), posted=data)
    messages.success(request, f"办件 {case.number} 已认定：{determination.get_outcome_display()}")
    return redirect("reimbursement:accident", number=case.number)
