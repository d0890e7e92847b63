"""台账 pages: the supervisor's table and its Excel export."""

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from yibao import clock
from yibao.agencies.selectors import staff_of
from yibao.ledger.export import ledger_workbook
from yibao.ledger.selectors import ledger_rows
from yibao.ledger.supervision import InvalidPeriod, LedgerForbidden, parse_period, supervision_scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _staff_or_none(request):
    """None for a superuser (unscoped), else the clerk; a user with no staff profile is refused."""
    if request.user.is_superuser:
        return None
    staff = staff_of(request.user)
    if staff is None:
        raise LedgerForbidden("只有科长或管理员可以查看台账")
    return staff


@login_required
def index(request):
    staff = _staff_or_none(request)
    scope = supervision_scope(staff=staff)  # 403 before anything else
    context = {"scope": scope, "start": request.GET.get("start", ""), "end": request.GET.get("end", ""),
               "error": "", "rows": [], "total": None}
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"), today=clock.today())
    except InvalidPeriod as exc:
        context["error"] = str(exc)
        return render(request, "ledger/index.html", context, status=400)
    rows = ledger_rows(staff=staff, start=start, end=end)
    context.update(start=start.isoformat(), end=end.isoformat(), rows=rows[:-1], total=rows[-1])
    return render(request, "ledger/index.html", context)


@login_required
def export(request):
    staff = _staff_or_none(request)
    scope = supervision_scope(staff=staff)
    try:
        start, end = parse_period(request.GET.get("start"), request.GET.get("end"), today=clock.today())
    except InvalidPeriod as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    rows = ledger_rows(staff=staff, start=start, end=end)
    content = ledger_workbook(rows, start=start, end=end, scope_label=scope.label,
                              generated_at=timezone.localtime())
    response = HttpResponse(content, content_type=XLSX)
    filename = f"ledger-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def outflows_export(request):
    """定点医药机构费用结算的基金支出 by fund, month and institution (issue 14 §3), as Excel."""
    from yibao.settlement.export import outflows_workbook
    from yibao.settlement.selectors import fund_outflows, on_time
    from yibao.settlement.services import month_start

    scope = supervision_scope(staff=_staff_or_none(request))
    year = timezone.localdate().year
    try:
        month_from = month_start(request.GET.get("from") or f"{year}-01")
        month_to = month_start(request.GET.get("to") or f"{year}-12")
    except Exception as exc:  # InvalidDeclaration: a Chinese message naming the field
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    if month_to < month_from or (month_to.year - month_from.year) > 5:
        return HttpResponse("字段 月份：起止月份无效（最长 5 年）", status=400, content_type="text/plain; charset=utf-8")
    rows = fund_outflows(month_from=month_from, month_to=month_to, scope=scope)
    content = outflows_workbook(rows, month_from=month_from, month_to=month_to, scope_label=scope.label,
                                on_time=on_time(month_from=month_from, month_to=month_to, scope=scope))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="outflows-{month_from:%Y%m}-{month_to:%Y%m}.xlsx"'
    return response


@login_required
def outflows(request):
    """基金支出 of the designated institutions' settlements by month and fund, as a chart and tables,
    for the supervisor's scope (issue 14 §3); the same figures as ``outflows.xlsx``."""
    from yibao.ledger.charts import stacked_bars
    from yibao.settlement.documents import FUND_LABELS
    from yibao.settlement.selectors import fund_outflows, on_time
    from yibao.settlement.services import month_start

    scope = supervision_scope(staff=_staff_or_none(request))  # 403 before anything else
    year = clock.today().year
    raw_from, raw_to = request.GET.get("from") or f"{year}-01", request.GET.get("to") or f"{year}-12"
    context = {"scope": scope, "month_from": raw_from[:7], "month_to": raw_to[:7], "error": ""}
    try:
        month_from, month_to = month_start(raw_from), month_start(raw_to)
        if month_to < month_from or (month_to.year - month_from.year) > 5:
            raise InvalidPeriod("字段 月份：起止月份无效（止月不得早于起月，最长 5 年）")
    except Exception as exc:  # InvalidDeclaration / InvalidPeriod: a Chinese message naming the field
        context["error"] = str(exc)
        return render(request, "ledger/outflows.html", context, status=400)
    rows = fund_outflows(month_from=month_from, month_to=month_to, scope=scope)
    by_month: dict[tuple[str, str], Decimal] = {}
    by_institution: dict[str, dict] = {}
    funds = [fund for fund in FUND_LABELS if any(row["fund"] == fund for row in rows)]
    for row in rows:
        month = f"{row['declaration__month']:%Y-%m}"
        key = (month, row["fund"])
        by_month[key] = by_month.get(key, Decimal("0")) + row["payable"] + row["withheld"]
        entry = by_institution.setdefault(row["declaration__institution_code"], {
            "code": row["declaration__institution_code"], "name": row["declaration__institution_name"],
            "approved": Decimal("0"), "payable": Decimal("0")})
        entry["approved"] += row["approved"]
        entry["payable"] += row["payable"]
    months = sorted({month for month, _fund in by_month})
    context.update(
        chart=stacked_bars(months, funds, by_month), funds=[(i, f, FUND_LABELS[f]) for i, f in enumerate(funds)],
        table=[{"month": m, "cells": [by_month.get((m, f), Decimal("0")) for f in funds],
                "total": sum((by_month.get((m, f), Decimal("0")) for f in funds), Decimal("0"))} for m in months],
        institutions=sorted(by_institution.values(), key=lambda e: -e["approved"])[:20],
        on_time=on_time(month_from=month_from, month_to=month_to, scope=scope),
        month_from=f"{month_from:%Y-%m}", month_to=f"{month_to:%Y-%m}")
    return render(request, "ledger/outflows.html", context)
