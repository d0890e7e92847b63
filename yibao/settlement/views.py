"""Pages of monthly settlement: the clerk's console (declarations, validation, deductions,
objections, statement, confirmation, 拨付 with its 30-working-day flag) and the institution's
own months (declare by file, see deductions, object, confirm the 清算确认书, see payments).

Thin: every change goes through ``services`` / ``upload``; a refusal is shown in Chinese with
its 4xx status and changes nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from yibao import clock
from yibao.agencies.pages import staff_page
from yibao.errors import DomainError
from yibao.institutions.selectors import institution_of
from yibao.payments.models import Payment
from yibao.settlement import reconciliation, selectors, services, upload, validation
from yibao.settlement.documents import DEMO_NOTE, FUND_LABELS, issue_confirmation
from yibao.settlement.errors import DeclarationNotFound, InvalidDeclaration, NotYourDeclaration
from yibao.settlement.models import (
    Declaration,
    DeclarationStatus,
    Deduction,
    ObjectionState,
    RunProgress,
)

LIST_LIMIT = 200
SHOWN = 200  # problems and deductions listed on a page (the API gives up to 1000)
UPLOAD_MAX_BYTES = 40 * 1024 * 1024  # through the page; larger months go through the API or the command


def _int(value) -> int:
    try:
        return int(str(value or "0")[:12])
    except ValueError:
        return 0


def _month_context(declaration: Declaration) -> dict:
    deductions = list(declaration.deductions.select_related("record").order_by("pk")[:SHOWN])
    lines = list(declaration.lines.all())
    references = [line.payment_reference for line in lines if line.payment_reference]
    return {
        "declaration": declaration,
        "record_count": declaration.records.count(),
        "problems": validation.problems(declaration, limit=SHOWN),
        "deductions": deductions,
        "lines": [(line, FUND_LABELS.get(line.fund, line.fund)) for line in lines],
        "payments": Payment.objects.filter(reference__in=references).order_by("reference") if references else [],
        "flag": selectors.deadline_flag(declaration, clock.today()),
        "deposit_note": DEMO_NOTE if declaration.deposit_share_is_demo else "",
        "reasons": validation.REASONS, "funds": FUND_LABELS,
    }


def _pdf_response(pdf: bytes, name: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the clerk's console ----------------------------------------------------------------------------

_staff_required = staff_page("该页面仅供在岗经办人员使用", page=True)


def _agency_declaration(request, pk: int) -> Declaration:
    declaration = Declaration.objects.select_related("agency").filter(pk=pk, agency=request.staff.agency).first()
    if declaration is None:
        raise Http404
    return declaration


@require_GET
@_staff_required
def console_list(request):
    """费用结算待办: the agency's declared months not yet paid, soonest 拨付期限 first, 临期/超期 flagged;
    and the months of one chosen month (any status)."""
    error, status, chosen = "", 200, []
    month_text = (request.GET.get("month") or "").strip()[:7]
    if month_text:
        try:
            month = services.month_start(month_text)
        except DomainError as exc:
            error, status = str(exc), exc.http_status
        else:
            chosen = list(Declaration.objects.filter(agency=request.staff.agency, month=month)
                          .order_by("institution_code")[:LIST_LIMIT])
    rows = selectors.todo_for_agency(agency=request.staff.agency, today=clock.today())[:LIST_LIMIT]
    return render(request, "settlement/console_list.html", {
        "rows": rows, "chosen": chosen, "month": month_text, "error": error, "staff": request.staff,
    }, status=status)


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(str(text or "").strip()[:20])
    except InvalidOperation:
        raise InvalidDeclaration("字段 扣款金额：须为金额（元，精确到分）", field="amount") from None
    if not value.is_finite():
        raise InvalidDeclaration("字段 扣款金额：须为金额（元，精确到分）", field="amount")
    return value


def _console_action(request, declaration: Declaration) -> str:
    actor = request.user.get_username()
    action = request.POST.get("action", "")
    post = request.POST
    if action == "validate":
        found = services.validate(declaration=declaration)
        return f"校验完成：{len(found)} 条明细有问题"
    if action == "review":
        services.review(actor=actor, declaration=declaration)
        return "规则审核完成"
    if action == "deduct":
        services.deduct(actor=actor, declaration=declaration, settlement_id=post.get("settlement_id", "").strip()[:40],
                        fund=post.get("fund", "").strip()[:6], amount=_amount(post.get("amount")),
                        reason_code=post.get("reason_code", "")[:20], note=post.get("note", "")[:500])
        return "人工扣款已记录"
    if action == "decide":
        deduction = Deduction.objects.filter(pk=_int(post.get("deduction")), declaration=declaration).first()
        if deduction is None:
            raise DeclarationNotFound("字段 扣款：本月没有这笔扣款")
        if post.get("decision") not in ("uphold", "reverse"):
            raise InvalidDeclaration("字段 复核结论：须选择维持扣款或撤销扣款", field="decision")
        services.decide_objection(actor=actor, deduction=deduction, reverse=post.get("decision") == "reverse",
                                  note=post.get("note", "")[:500])
        return "申诉已复核"
    if action == "statement":
        services.make_statement(actor=actor, declaration=declaration)
        return "结算单已出具"
    if action == "confirm":
        services.confirm_statement(actor=actor, declaration=declaration, side="agency")
        return "经办机构已确认结算单"
    if action == "pay":
        payments = services.pay_statement(actor=actor, declaration=declaration)
        return f"已拨付：{len(payments)} 笔支付进入支付台账"
    raise InvalidDeclaration("字段 操作：未知的操作", field="action")


@require_http_methods(["GET", "POST"])
@_staff_required
def console_month(request, pk: int):
    """One institution's month: records, validation problems (row and reason), deductions (rule and
    manual), objections to decide, the statement per fund, both confirmations and the 拨付."""
    declaration = _agency_declaration(request, pk)
    error, status = "", 200
    if request.method == "POST":
        try:
            done = _console_action(request, declaration)
        except DomainError as exc:
            error, status = str(exc), exc.http_status
        else:
            messages.success(request, done)
            return redirect("settlement:console_month", pk=declaration.pk)
        declaration.refresh_from_db()
    context = _month_context(declaration)
    context.update(error=error, staff=request.staff, posted=request.POST if error else {},
                   open_objections=[d for d in context["deductions"] if d.objection_state == ObjectionState.OPEN])
    return render(request, "settlement/console_month.html", context, status=status)


@require_GET
@_staff_required
def console_pdf(request, pk: int, fund: str):
    """清算确认书 of one fund, for a clerk of the declaration's agency."""
    declaration = _agency_declaration(request, pk)
    try:
        pdf, _document = issue_confirmation(declaration=declaration, fund=fund[:6], actor=request.user.get_username())
    except DomainError as exc:
        return render(request, "hall/forbidden.html", {"message": str(exc)}, status=exc.http_status)
    return _pdf_response(pdf, f"qingsuan-{declaration.institution_code}-{declaration.month:%Y%m}-{fund[:6]}.pdf")


# --- the institution's own months -------------------------------------------------------------------

def _institution_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), f"{reverse('accounts:login')}?kind=institution")
        institution = institution_of(request.user)
        if institution is None:
            return render(request, "hall/forbidden.html", {"message": "该页面仅供定点医药机构使用"}, status=403)
        request.institution = institution
        return view(request, *args, **kwargs)

    return wrapper


def _own_month(request, month: str) -> Declaration:
    code = request.institution.national_code
    try:
        start = services.month_start(month)
    except DomainError:
        raise Http404 from None
    declaration = Declaration.objects.select_related("agency").filter(institution_code=code, month=start).first() \
        if code else None
    if declaration is None:
        raise Http404
    return declaration


@require_http_methods(["GET", "POST"])
@_institution_required
def mine(request):
    """本机构费用结算: its months, and opening the declaration of a past month."""
    institution = request.institution
    error, status = "", 200
    if request.method == "POST":
        if not institution.national_code:
            error, status = "本机构尚未取得定点医药机构编码，不能申报费用结算", 403
        else:
            month = (request.POST.get("month") or "").strip()[:7]
            try:
                declaration = services.open_declaration(actor=request.user.get_username(),
                                                        institution_code=institution.national_code, month=month)
            except DomainError as exc:
                error, status = str(exc), exc.http_status
            else:
                return redirect("settlement:mine_month", month=f"{declaration.month:%Y-%m}")
    months = Declaration.objects.filter(institution_code=institution.national_code).order_by("-month")[:60] \
        if institution.national_code else []
    today = clock.today()
    last = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return render(request, "settlement/mine.html", {
        "institution": institution, "months": [(d, selectors.deadline_flag(d, today)) for d in months],
        "error": error, "last_month": f"{last:%Y-%m}",
    }, status=status)


def _mine_action(request, declaration: Declaration, month: str) -> str:
    actor = request.user.get_username()
    code = request.institution.national_code
    action = request.POST.get("action", "")
    if action == "upload":
        sent = request.FILES.get("file")
        if sent is None:
            raise InvalidDeclaration("字段 明细文件：请选择 .xlsx 或 .csv 文件", field="file")
        if sent.size > UPLOAD_MAX_BYTES:
            raise InvalidDeclaration("字段 明细文件：网页上传最大 40 MB，更大的月份请通过接口报送", field="file")
        from yibao.settlement import runs

        run = runs.start_run(kind="settlement_upload", agency=declaration.agency, actor=actor,
                             label=f"{declaration.institution_name} {month} 明细文件 {(sent.name or '')[:60]}")
        try:
            report = upload.import_file(actor=actor, institution_code=code, declaration=declaration,
                                        name=sent.name or "", content=sent.read(), progress=runs.tracker(run))
        except DomainError as exc:
            runs.fail_run(run=run, error=str(exc), actor=actor)
            raise
        if report.problems:
            runs.fail_run(run=run, error=f"{len(report.problems)} 行有误，未保存", actor=actor)
            raise InvalidDeclaration("明细文件有误，未保存任何记录：" + "；".join(report.lines[:50]), field="file")
        runs.finish_run(run=run, summary={"accepted": report.accepted, "repeated": report.repeated}, actor=actor)
        return f"已接收 {report.accepted} 条明细" + (f"，{report.repeated} 条此前已接收" if report.repeated else "")
    if action == "declare":
        services.declare(actor=actor, institution_code=code, declaration=declaration)
        return "已申报，经办机构将在30个工作日内完成审核和拨付"
    if action == "object":
        deduction = Deduction.objects.filter(pk=_int(request.POST.get("deduction")), declaration=declaration).first()
        if deduction is None:
            raise DeclarationNotFound("字段 扣款：本月没有这笔扣款")
        services.object_to_deduction(actor=actor, institution_code=code, deduction=deduction,
                                     reason=request.POST.get("reason", "")[:600])
        return "申诉已提交，由另一名经办人员复核"
    if action == "confirm":
        services.confirm_statement(actor=actor, declaration=declaration, side="institution", institution_code=code,
                                   bank_name=request.POST.get("bank_name", "")[:120],
                                   account_number=request.POST.get("account_number", "")[:40])
        return "已确认结算单（清算确认书）"
    raise InvalidDeclaration("字段 操作：未知的操作", field="action")


@require_http_methods(["GET", "POST"])
@_institution_required
def mine_month(request, month: str):
    """One of the institution's months: upload the file, declare, see problems and deductions,
    object, confirm the statement, follow the payment."""
    declaration = _own_month(request, month)
    error, status = "", 200
    if request.method == "POST":
        try:
            done = _mine_action(request, declaration, month)
        except DomainError as exc:
            error, status = str(exc), exc.http_status
        else:
            messages.success(request, done)
            return redirect("settlement:mine_month", month=month)
        declaration.refresh_from_db()
    context = _month_context(declaration)
    institution = request.institution
    context.update(error=error, institution=institution, month=month,
                   bank_name=institution.bank_name,
                   account_number=institution.bank_account,
                   is_draft=declaration.status == DeclarationStatus.DRAFT,
                   may_object=declaration.status in (DeclarationStatus.REVIEWED, DeclarationStatus.STATED))
    return render(request, "settlement/mine_month.html", context, status=status)


@require_GET
@_institution_required
def mine_pdf(request, month: str, fund: str):
    """清算确认书 of one fund, for the institution itself."""
    declaration = _own_month(request, month)
    try:
        pdf, _document = issue_confirmation(declaration=declaration, fund=fund[:6], actor=request.user.get_username())
    except DomainError as exc:
        return render(request, "hall/forbidden.html", {"message": str(exc)}, status=exc.http_status)
    return _pdf_response(pdf, f"qingsuan-{declaration.institution_code}-{declaration.month:%Y%m}-{fund[:6]}.pdf")


@require_GET
@_institution_required
def file_template(request):
    """The declaration file's .xlsx template (header row and an example row)."""
    response = HttpResponse(upload.template(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="settlement-template.xlsx"'
    return response


# --- year end: the withheld deposits returned by the assessment score ---------------------------------

def _year(text) -> int:
    try:
        year = int(str(text or "").strip()[:4])
    except ValueError:
        raise InvalidDeclaration("字段 年度：须为四位年份", field="year") from None
    if not 2000 <= year <= clock.today().year:
        raise InvalidDeclaration("字段 年度：须为 2000 年至今年之间", field="year")
    return year


def _score(text) -> Decimal:
    try:
        score = Decimal(str(text or "").strip()[:8])
    except InvalidOperation:
        raise InvalidDeclaration("字段 考核得分：须为 0–100 的数", field="score") from None
    if not score.is_finite():
        raise InvalidDeclaration("字段 考核得分：须为 0–100 的数", field="score")
    return score


@require_http_methods(["GET", "POST"])
@_staff_required
def console_year_end(request):
    """年度清算: per institution, the 质量保证金 withheld over the year's paid months and its return by the
    assessment score (the dated demo table), one payment per fund, never twice."""
    from yibao.settlement import parameters

    error, status = "", 200
    source = request.POST if request.method == "POST" else request.GET
    try:
        year = _year(source.get("year") or clock.today().year)
    except DomainError as exc:
        year, error, status = clock.today().year, str(exc), exc.http_status
    if request.method == "POST" and not error:
        code = (request.POST.get("institution_code") or "").strip()[:12]
        try:
            if not Declaration.objects.filter(agency=request.staff.agency, institution_code=code).exists():
                raise DeclarationNotFound("字段 定点机构编码：本经办机构没有该机构的结算")
            payments = services.return_deposits(actor=request.user.get_username(), year=year, institution_code=code,
                                                score=_score(request.POST.get("score")), agency=request.staff.agency)
        except DomainError as exc:
            error, status = str(exc), exc.http_status
        else:
            messages.success(request, f"{code}：{year} 年度质量保证金返还 {len(payments)} 笔")
            return redirect(f"{reverse('settlement:console_year_end')}?year={year}")
    table = parameters.as_of("deposit_return_by_score", datetime.date(year, 12, 31))
    return render(request, "settlement/console_year_end.html", {
        "year": year, "rows": selectors.deposits_of_year(agency=request.staff.agency, year=year),
        "bands": sorted(table.value, key=lambda b: -b["min_score"]), "demo": table.demo, "demo_note": parameters.DEMO_NOTE,
        "error": error, "staff": request.staff, "funds": FUND_LABELS,
    }, status=status)


# --- background runs and their progress ----------------------------------------------------------------

RUN_ROLES = {"review", "supervise", "administer"}


@require_http_methods(["GET", "POST"])
@_staff_required
def console_runs(request):
    """后台运行: the agency's recent runs with their progress; a reviewer starts a month's run
    (validate, rule review, statements of every declared institution) as a background task."""
    from yibao.agencies.selectors import staff_roles
    from yibao.settlement import runs, tasks

    error, status = "", 200
    may_start = bool(staff_roles(request.staff) & RUN_ROLES)
    if request.method == "POST":
        month = (request.POST.get("month") or "").strip()[:7]
        try:
            if not may_start:
                raise NotYourDeclaration("只有审核、监督或管理岗位的经办人员可以发起月度结算运行")
            start = services.month_start(month)
            run = runs.start_run(kind="settlement_run", label=f"{start:%Y-%m} 月度结算（校验、规则审核、结算单）",
                                 agency=request.staff.agency, actor=request.user.get_username())
            tasks.settlement_month_run.enqueue(run.pk, f"{start:%Y-%m}", request.user.get_username())
        except DomainError as exc:
            error, status = str(exc), exc.http_status
        else:
            return redirect("settlement:console_run", pk=run.pk)
    rows = RunProgress.objects.filter(agency=request.staff.agency)[:50]
    return render(request, "settlement/console_runs.html", {
        "rows": rows, "error": error, "staff": request.staff, "may_start": may_start,
        "month": (request.POST.get("month") or "") if error else "",
    }, status=status)


@require_GET
@_staff_required
def console_run(request, pk: int):
    """One run's progress; with ``?fragment=1`` only the part the page refreshes (htmx, every 2 s while running)."""
    run = RunProgress.objects.filter(pk=pk, agency=request.staff.agency).first()
    if run is None:
        raise Http404
    template = "settlement/_run.html" if request.GET.get("fragment") else "settlement/console_run.html"
    return render(request, template, {"run": run, "staff": request.staff})


# --- 对账 (reconciliation) ---------------------------------------------------------------------

def _reconcile_page(request, declaration: Declaration, *, back: str):
    """Both sides' page: the institution's daily totals per fund against ours, each difference with
    the settlements of that day and fund (the likeliest cause first). Reads only; changes nothing."""
    text, differences, error, status, compared = "", [], "", 200, False
    if request.method == "POST":
        text = request.POST.get("totals", "")[:20_000]
        try:
            theirs = reconciliation.parse_daily_totals(text, month=declaration.month)
            differences = services.reconcile(declaration=declaration, theirs=theirs)
            compared = True
        except DomainError as exc:
            error, status = str(exc), exc.http_status
    rows = [{"day": d.day, "fund": d.fund, "fund_label": FUND_LABELS.get(d.fund, d.fund), "theirs": d.theirs,
             "ours": d.ours, "gap": d.ours - d.theirs, "settlements": d.settlements[:20],
             "more": max(len(d.settlements) - 20, 0)} for d in differences]
    return render(request, "settlement/reconcile.html", {
        "declaration": declaration, "text": text, "rows": rows, "error": error, "compared": compared,
        "back": back, "funds": FUND_LABELS}, status=status)


@require_http_methods(["GET", "POST"])
@_institution_required
def mine_reconcile(request, month: str):
    declaration = _own_month(request, month)
    return _reconcile_page(request, declaration, back=reverse("settlement:mine_month", args=[month]))


@require_http_methods(["GET", "POST"])
@_staff_required
def console_reconcile(request, pk: int):
    declaration = _agency_declaration(request, pk)
    return _reconcile_page(request, declaration, back=reverse("settlement:console_month", args=[pk]))


# --- 年度 DIP (按病种分值付费) --------------------------------------------------------------------

def _positive_money(text, label: str, field: str) -> Decimal:
    try:
        amount = Decimal(str(text or "").replace(",", "").strip()[:20])
    except InvalidOperation:
        raise InvalidDeclaration(f"字段 {label}：须为金额（元）", field=field) from None
    if not amount.is_finite() or amount <= 0 or amount > Decimal("99999999999.99") or amount.as_tuple().exponent < -2:
        raise InvalidDeclaration(f"字段 {label}：须为大于 0 的金额，最多两位小数", field=field)
    return amount


def _ratio(text) -> Decimal:
    try:
        ratio = Decimal(str(text or "").strip()[:10])
    except InvalidOperation:
        raise InvalidDeclaration("字段 报销比例：须为 0 到 1 之间的小数，如 0.75", field="ratio") from None
    if not ratio.is_finite():
        raise InvalidDeclaration("字段 报销比例：须为 0 到 1 之间的小数，如 0.75", field="ratio")
    return ratio


@require_GET
@_staff_required
def console_dip(request):
    """年度 DIP 试算: the 分值 of each 病种组合, the 结算点值 and each institution's year-end amount of one
    pool from the year's reviewed inpatient settlements. Reads only: the amounts go to the
    year-end agreement, not straight to payment."""
    params = request.GET
    context = {"staff": request.staff, "pools": selectors.DIP_POOLS, "year": params.get("year", ""),
               "pool": params.get("pool", "310"), "fund_available": params.get("fund_available", ""),
               "ratio": params.get("ratio", ""), "error": "", "dip": None}
    status = 200
    if params.get("year"):
        try:
            context["dip"] = selectors.dip_of_year(
                agency=request.staff.agency, year=_year(params.get("year")), pool=params.get("pool", ""),
                fund_available=_positive_money(params.get("fund_available"), "可用于 DIP 的基金", "fund_available"),
                ratio=_ratio(params.get("ratio")))
        except DomainError as exc:
            context["error"], status = str(exc), exc.http_status
    return render(request, "settlement/console_dip.html", context, status=status)
