"""Reads of monthly settlement: an institution's own months, the staff to-do, the bureau's outflows."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Count, Q, Sum

from yibao.settlement.models import (
    FUND_COLUMNS,
    Declaration,
    DeclarationStatus,
    SettlementRecord,
    StatementLine,
)

NEAR_DAYS = 5  # working days before the deadline a month shows as 临期 (this deployment's choice)


def declaration_of(*, institution_code: str, month: datetime.date) -> Declaration | None:
    return Declaration.objects.filter(institution_code=institution_code, month=month).first()


def deadline_flag(declaration: Declaration, today: datetime.date) -> str:
    """临期 / 超期 for a declared month not yet paid (30 working days from the declaration)."""
    from yibao.workdays.calendar import count_working_days

    if declaration.due_date is None or declaration.status == DeclarationStatus.PAID:
        return ""
    if today > declaration.due_date:
        return "超期"
    if count_working_days(today, declaration.due_date) <= NEAR_DAYS:
        return "临期"
    return ""


def todo_for_agency(*, agency, today: datetime.date) -> list[tuple[Declaration, str]]:
    """The agency's declared months still to be paid, soonest deadline first, each with its flag."""
    open_months = (Declaration.objects.filter(agency=agency).exclude(status__in=[DeclarationStatus.DRAFT,
                                                                                 DeclarationStatus.PAID])
                   .order_by("due_date", "pk"))
    return [(d, deadline_flag(d, today)) for d in open_months]


def fund_outflows(*, month_from: datetime.date, month_to: datetime.date, agency=None, scope=None) -> list[dict]:
    """Per fund, month and institution: declared, deducted, approved, withheld, payable (the bureau
    ledger's outflows). ``scope``: a ledger ``Scope`` (its agencies only)."""
    lines = StatementLine.objects.filter(declaration__month__gte=month_from, declaration__month__lte=month_to)
    if agency is not None:
        lines = lines.filter(declaration__agency=agency)
    if scope is not None:
        lines = lines.filter(scope.q("declaration__agency"))
    return [dict(row) for row in lines.values("declaration__month", "fund", "declaration__institution_code",
                             "declaration__institution_name")
                .annotate(declared=Sum("declared"), deducted=Sum("deducted"), approved=Sum("approved"),
                          withheld=Sum("withheld"), payable=Sum("payable"))
                .order_by("declaration__month", "fund", "declaration__institution_code")]


def on_time(*, month_from: datetime.date, month_to: datetime.date, agency=None, scope=None) -> dict:
    """Paid months, and how many within their 30 working days (令第2号/第3号; seeds 004 items 28/29)."""
    months = Declaration.objects.filter(month__gte=month_from, month__lte=month_to,
                                        status=DeclarationStatus.PAID)
    if agency is not None:
        months = months.filter(agency=agency)
    if scope is not None:
        months = months.filter(scope.q("agency"))
    from django.db.models import F

    return months.aggregate(paid=Count("id"), on_time=Count("id", filter=Q(paid_on__lte=F("due_date"))))


def daily_totals(declaration: Declaration) -> dict[tuple[datetime.date, str], Decimal]:
    """Our totals per settlement day and fund (for reconciliation with the institution's)."""
    totals: dict[tuple[datetime.date, str], Decimal] = {}
    rows = (SettlementRecord.objects.filter(declaration=declaration).values("end_date")
            .annotate(**{fund: Sum(column) for fund, column in FUND_COLUMNS.items()}).order_by("end_date"))
    for values in rows:
        row: dict = dict(values)
        for fund in FUND_COLUMNS:
            amount = Decimal(str(row[fund] or 0)).quantize(Decimal("0.01"))
            if amount:
                totals[(row["end_date"], fund)] = amount
    return totals


def direct_settlements_of_bills(*, person_id_number: str, bill_numbers: list[str], institution_code: str = "",
                                begin_date: datetime.date | None = None,
                                end_date: datetime.date | None = None) -> list[dict]:
    """Declared direct settlements of one person that a manual claim would pay again: a settlement
    whose 结算编号 is one of the claim's bill numbers, or one at the same institution for the same
    care days (入院/出院 or 就诊 dates). Drafts and records refused at review are left out.
    For the reimbursement domain's duplicate-bill check (read only)."""
    # Two indexed reads (结算编号; institution's months by 出院 day) rather than one OR over a join.
    records = SettlementRecord.objects.select_related("declaration").filter(
        person_id_number=person_id_number, problem_code="").exclude(
        declaration__status=DeclarationStatus.DRAFT)
    found = list(records.filter(settlement_id__in=bill_numbers)[:10])
    if institution_code and begin_date is not None and end_date is not None:
        found += list(records.filter(declaration__institution_code=institution_code, end_date=end_date,
                                     begin_date=begin_date).exclude(settlement_id__in=bill_numbers)[:10])
    return [{"settlement_id": r.settlement_id, "begin_date": r.begin_date, "end_date": r.end_date,
             "total": r.total, "declaration__institution_code": r.declaration.institution_code,
             "declaration__institution_name": r.declaration.institution_name,
             "declaration__month": r.declaration.month} for r in found]


def deposits_of_year(*, agency, year: int) -> list[dict]:
    """Per institution of ``agency``: the 质量保证金 withheld over ``year``'s paid months, per fund, and
    what has been returned already (payments ``deposit:YYYY:<code>:<fund>``) — the year-end page."""
    from yibao.payments.models import Payment

    rows: dict[str, dict] = {}
    lines = (StatementLine.objects.filter(declaration__agency=agency, declaration__month__year=year,
                                          declaration__status=DeclarationStatus.PAID)
             .values("declaration__institution_code", "declaration__institution_name", "fund")
             .annotate(withheld=Sum("withheld"), months=Count("declaration", distinct=True))
             .order_by("declaration__institution_code", "fund"))
    for line in lines:
        code = line["declaration__institution_code"]
        row = rows.setdefault(code, {"code": code, "name": line["declaration__institution_name"], "funds": {},
                                     "withheld": Decimal("0.00"), "returned": Decimal("0.00"), "months": 0})
        row["funds"][line["fund"]] = line["withheld"]
        row["withheld"] += line["withheld"]
        row["months"] = max(row["months"], line["months"])
    returned = (Payment.objects.filter(reference__startswith=f"deposit:{year}:", agency=agency)
                .values_list("reference", "amount"))
    for reference, amount in returned:
        code = reference.split(":")[2]
        if code in rows:
            rows[code]["returned"] += amount
    return list(rows.values())


DIP_POOLS = {"310": "职工", "390": "居民"}


def dip_of_year(*, agency, year: int, pool: str, fund_available: Decimal, ratio: Decimal) -> dict:
    """Year-end DIP of one pool (职工 310 / 居民 390) over the agency's reviewed inpatient settlements
    of ``year``: the database sums cost and cases per 病种组合 and per institution, ``dip`` divides.
    Inpatient records without a group are counted and left out (they are paid by the item)."""
    from yibao.settlement import dip
    from yibao.settlement.errors import InvalidDeclaration

    if pool not in DIP_POOLS:
        raise InvalidDeclaration("字段 险种：须为 310（职工）或 390（居民）", field="pool")
    records = SettlementRecord.objects.filter(
        declaration__agency=agency, declaration__month__year=year, insurance_type=pool,
        med_type__startswith="2", problem_code="").exclude(
        declaration__status__in=[DeclarationStatus.DRAFT, DeclarationStatus.DECLARED])
    grouped = records.exclude(diagnosis_code="")
    groups = {row["diagnosis_code"]: (row["cost"], row["n"])
              for row in grouped.values("diagnosis_code").annotate(cost=Sum("total"), n=Count("id"))}
    counts = {(row["declaration__institution_code"], row["diagnosis_code"]): row["n"]
              for row in grouped.values("declaration__institution_code", "diagnosis_code").annotate(n=Count("id"))}
    if not groups:
        raise InvalidDeclaration(f"{year} 年没有已审核、带病种组合的{DIP_POOLS[pool]}住院结算，不能计算 DIP")
    result = dip.dip_from_totals(groups=groups, counts=counts, fund_available=fund_available, ratio=ratio)
    names = dict(Declaration.objects.filter(agency=agency, month__year=year)
                 .values_list("institution_code", "institution_name").distinct())
    cases = {}
    for (code, _group), n in counts.items():
        cases[code] = cases.get(code, 0) + n
    return {"result": result, "cases": sum(n for _c, n in groups.values()),
            "ungrouped": records.filter(diagnosis_code="").count(),
            "rows": [{"code": code, "name": names.get(code, ""), "cases": cases[code], "amount": amount}
                     for code, amount in sorted(result.amounts.items())]}
