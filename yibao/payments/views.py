"""基金支付 pages of the staff console: thin views (parse, call one service or selector, render).

Staff of the paying agency only: role 拨付 (pay) acts, role 科长 (supervise) reads.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yibao import clock
from yibao.agencies.models import Role
from yibao.agencies.pages import staff_page
from yibao.agencies.selectors import staff_can, staff_roles
from yibao.payments import forms, selectors, services
from yibao.payments.delivery import with_bank_delivery
from yibao.payments.errors import PaymentError
from yibao.payments.models import Fund, PaymentStatus

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def payments_staff(*, act: bool = False):
    """Staff holding 拨付 (or 科长 for reading) at their agency; others get 403 with a Chinese message."""

    def decorate(view):
        @staff_page("基金支付仅限在岗经办人员使用")
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            staff = request.staff
            may_pay = staff_can(staff, Role.PAY)
            if act and not may_pay:
                return HttpResponseForbidden("只有拨付岗经办人员可以办理基金支付".encode())
            if not may_pay and not staff_can(staff, Role.SUPERVISE):
                return HttpResponseForbidden("基金支付台账仅限拨付岗和科长查看".encode())
            request.may_pay = may_pay
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _status_for(exc: PaymentError) -> int:
    return 409 if exc.kind == "conflict" else 400


def _context(request, **extra) -> dict:
    roles = staff_roles(request.staff)
    context = {"staff": request.staff, "may_pay": request.may_pay, "funds": Fund.choices,
               "statuses": PaymentStatus.choices, "error": "",
               "role_labels": [label for value, label in Role.choices if value in roles]}
    context.update(extra)
    return context


@require_GET
@payments_staff()
def ledger(request):
    today = clock.today()
    context = _context(request, page=None, rows=[], filters=forms.LedgerFilters(), today=today)
    try:
        filters = forms.parse_ledger_filters(request.GET, today=today)
    except forms.FormError as exc:
        context["error"] = str(exc)
        return render(request, "payments/ledger.html", context, status=400)
    payments = selectors.ledger(staff=request.staff, fund=filters.fund, status=filters.status,
                                day_from=filters.day_from, day_to=filters.day_to, reference=filters.reference)
    page = Paginator(payments, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {"fund": filters.fund, "status": filters.status, "day_from": filters.day_from.isoformat(),
             "day_to": filters.day_to.isoformat(), "reference": filters.reference}
    context.update(
        filters=filters, page=page, rows=list(page),
        pending=selectors.pending_submission(request.staff.agency),
        batches=with_bank_delivery(
            selectors.batches_of(request.staff.agency, day_from=filters.day_from, day_to=filters.day_to)[:20]),
        query=urlencode({k: v for k, v in query.items() if v}))
    return render(request, "payments/ledger.html", context)


@require_GET
@payments_staff()
def payment_detail(request, pk: int):
    payment = selectors.payment_for_staff(request.staff, pk)
    if payment is None:
        raise Http404("未找到或无权查看该支付")
    reissue = getattr(payment, "reissue", None)  # None when the one-to-one has no row
    return render(request, "payments/payment_detail.html",
                  _context(request, payment=payment, reissue=reissue,
                           may_reissue=request.may_pay and payment.status == PaymentStatus.RETURNED
                           and reissue is None))


@require_POST
@payments_staff(act=True)
def reissue(request, pk: int):
    payment = selectors.payment_for_staff(request.staff, pk)
    if payment is None:
        raise Http404("未找到或无权查看该支付")
    try:
        details = forms.parse_reissue(request.POST)
        new = services.reissue_payment(actor=request.user.username, payment=payment, **details)
    except (forms.FormError, PaymentError) as exc:
        status = _status_for(exc) if isinstance(exc, PaymentError) else 400
        context = _context(request, payment=payment, reissue=getattr(payment, "reissue", None),
                           may_reissue=True, error=str(exc), form=request.POST)
        return render(request, "payments/payment_detail.html", context, status=status)
    messages.success(request, f"已重新核定支付 {new.reference}，随下一次报盘提交银行")
    return redirect("payments:detail", pk=new.pk)


@require_POST
@payments_staff(act=True)
def disburse(request):
    """制盘: the day's approved payments of one fund go to the bank; the response is the file."""
    try:
        fund, day = forms.parse_disbursement(request.POST)
        batch, content = services.build_disbursement_file(actor=request.user.username, fund=fund,
                                                          agency=request.staff.agency, day=day)
    except (forms.FormError, PaymentError) as exc:
        status = _status_for(exc) if isinstance(exc, PaymentError) else 400
        return render(request, "payments/message.html", _context(request, error=str(exc)), status=status)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="disbursement-{batch.number}.xlsx"'
    return response


@require_GET
@payments_staff()
def batch_file(request, number: str):
    batch = selectors.batch_for_staff(request.staff, number)
    if batch is None:
        raise Http404("未找到该报盘批次")
    response = HttpResponse(services.disbursement_file_of(batch), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="disbursement-{batch.number}.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
@payments_staff()
def bank_returns(request):
    context = _context(request, report=None)
    if request.method == "GET":
        return render(request, "payments/returns.html", context)
    if not request.may_pay:
        return HttpResponseForbidden("只有拨付岗经办人员可以办理基金支付".encode())
    upload = request.FILES.get("file")
    if upload is None:
        context["error"] = "字段 回盘文件：请选择银行回盘文件（.xlsx 或 .csv）"
        return render(request, "payments/returns.html", context, status=400)
    try:
        report = services.import_bank_returns(actor=request.user.username, file=upload, agency=request.staff.agency)
    except PaymentError as exc:
        context["error"] = str(exc)
        return render(request, "payments/returns.html", context, status=_status_for(exc))
    context["report"] = report
    if not report.applied:
        context["error"] = f"回盘文件有 {len(report.errors)} 行有误，未做任何处理，请更正后重新上传"
        return render(request, "payments/returns.html", context, status=400)
    return render(request, "payments/returns.html", context)


@require_GET
@payments_staff()
def reconciliation(request):
    today = clock.today()
    context = _context(request, result=None, totals=[], fund="", day_from=None, day_to=today)
    try:
        fund = forms.parse_fund(request.GET.get("fund", ""))
        day_from, day_to = forms.parse_range(request.GET, today=today, longest=forms.MAX_RECONCILIATION_DAYS)
    except forms.FormError as exc:
        context["error"] = str(exc)
        return render(request, "payments/reconciliation.html", context, status=400)
    context.update(
        fund=fund, day_from=day_from, day_to=day_to,
        result=selectors.reconciliation(agency=request.staff.agency, day_from=day_from, day_to=day_to, fund=fund),
        totals=selectors.daily_totals(day_from=day_from, day_to=day_to, agency=request.staff.agency))
    return render(request, "payments/reconciliation.html", context)
