"""The month's checks and rule review as SQL over the whole declaration (set-based).

Every statement here touches all the records of a declaration at once: a million records
are a handful of UPDATE/INSERT … SELECT statements, not a million Python iterations. The
SQL is the portable subset PostgreSQL and SQLite share (correlated EXISTS, CASE, substr),
so the tests run the same code as production. Amount comparisons allow half a fen, since
SQLite computes sums in binary floating point.

Each record keeps at most one problem (the first found in the order below); the review
deducts a problem record's whole fund payment under the problem's reason code.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum

from yibao.enrollment.models import InsurancePeriod, Person
from yibao.reimbursement.selectors import reimbursed_bill_condition
from yibao.settlement import parameters
from yibao.settlement.institutions import designation_spans
from yibao.settlement.models import (
    FUND_COLUMNS,
    Declaration,
    DeclarationStatus,
    Deduction,
    ObjectionState,
    SettlementRecord,
)

CENT = Decimal("0.01")

# Reason codes of deductions (stable, for files and API) and their Chinese names.
REASONS = {
    "SPLIT": "金额不平",
    "FUND_MISMATCH": "险种与基金不符",
    "OUT_OF_MONTH": "非本月结算",
    "DUPLICATE": "重复结算",
    "REIMBURSED": "已手工报销",
    "UNKNOWN_PERSON": "非参保人员",
    "NOT_INSURED": "非参保期间",
    "NOT_DESIGNATED": "非定点期间",
    "DUP_CHARGE": "重复收费",
    "OVER_LIMIT": "超限价",
    "EXCESSIVE": "过度诊疗",
    "NO_INDICATION": "无指征用药",
    "MANUAL": "其他（人工审核）",
}

REC = SettlementRecord._meta.db_table
DEC = Declaration._meta.db_table
DED = Deduction._meta.db_table
PERSON = Person._meta.db_table
PERIOD = InsurancePeriod._meta.db_table

EMPLOYEE_FUNDS = "(pooled_employee + large_expense + account_pay)"
RESIDENT_FUNDS = "(pooled_resident + critical_illness)"
FUND_SUM = "(pooled_employee + large_expense + pooled_resident + critical_illness + medical_aid)"


def _scope(declarations) -> tuple[str, list[int]]:
    ids = [d.pk for d in declarations]
    return f"declaration_id IN ({', '.join(['%s'] * len(ids))})", ids


def _mark(cursor, scope, code: str, message: str, condition: str, params=()) -> int:
    where, ids = scope
    cursor.execute(
        f"UPDATE {REC} SET problem_code = %s, problem = %s "
        f"WHERE {where} AND problem_code = '' AND ({condition})",
        [code, message, *ids, *params])
    return cursor.rowcount


def validate_month(declaration: Declaration | list[Declaration]) -> dict[str, int]:
    """Write each record's problem (or none) for one declaration or a month's declarations at once;
    return the count per problem code."""
    declarations = declaration if isinstance(declaration, list) else [declaration]
    if not declarations:
        return {}
    if len({d.month for d in declarations}) != 1:
        raise ValueError("一次只能校验同一月份的申报")
    counts: dict[str, int] = {}
    start = declarations[0].month
    end = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    scope = _scope(declarations)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {REC} SET problem_code = '', problem = '' "
                       f"WHERE {scope[0]} AND problem_code <> ''", scope[1])
        # The checks of a record's own fields in one pass: the first that fails names the problem.
        row_checks = [
            ("SPLIT", "金额不平：医疗费总额 ≠ 基金支付总额 + 个人负担总金额（须精确到分）",
             "abs(total - (fund_total + personal_total)) >= 0.005"),
            ("SPLIT", "金额不平：基金支付总额 ≠ 各项基金支出之和（须精确到分）",
             f"abs(fund_total - {FUND_SUM}) >= 0.005"),
            ("SPLIT", "金额不平：个人负担总金额 ≠ 个人账户支出 + 个人现金支出（须精确到分）",
             "abs(personal_total - (account_pay + cash_pay)) >= 0.005"),
            ("FUND_MISMATCH", "险种与基金不符：职工（310）结算含居民基金支出，或居民（390）结算含职工基金支出",
             f"(insurance_type = '310' AND {RESIDENT_FUNDS} > 0) OR "
             f"(insurance_type = '390' AND {EMPLOYEE_FUNDS} > 0)"),
            ("OUT_OF_MONTH", f"非本月结算：结算（出院）日期不在 {start:%Y年%m月} 内", "end_date < %s OR end_date >= %s"),
        ]
        code_case = "CASE " + " ".join(f"WHEN {condition} THEN %s" for _c, _m, condition in row_checks) + " END"
        message_case = "CASE " + " ".join(f"WHEN {condition} THEN %s" for _c, _m, condition in row_checks) + " END"
        def case_params(pick):
            params = []
            for code, message, condition in row_checks:
                params += ([start, end] if "%s" in condition else []) + [code if pick == "code" else message]
            return params
        where, ids = scope
        cursor.execute(
            f"UPDATE {REC} SET problem_code = {code_case}, problem = {message_case} "
            f"WHERE {where} AND problem_code = '' AND {code_case} IS NOT NULL",
            [*case_params("code"), *case_params("message"), *ids, *case_params("code")])
        if cursor.rowcount:
            cursor.execute(f"SELECT problem_code, COUNT(*) FROM {REC} WHERE {where} AND problem_code <> '' "
                           f"GROUP BY problem_code", ids)
            counts.update(dict(cursor.fetchall()))
        checks: list[tuple[str, str, str, list]] = [
            ("DUPLICATE", "重复结算：该结算编号已在其他月份或其他机构的申报中",
             f"EXISTS (SELECT 1 FROM {REC} other JOIN {DEC} d ON d.id = other.declaration_id "
             f"WHERE other.settlement_id = {REC}.settlement_id AND other.declaration_id <> {REC}.declaration_id "
             f"AND d.status <> %s AND other.problem_code = '')", [DeclarationStatus.DRAFT]),
            ("REIMBURSED", "已手工报销：该结算编号即此人已在零星（手工）报销中拨付的票据，不能再由机构结算",
             reimbursed_bill_condition(REC), []),
            ("UNKNOWN_PERSON", "非参保人员：公民身份号码在本统筹区参保登记中不存在",
             f"NOT EXISTS (SELECT 1 FROM {PERSON} p WHERE p.id_number = {REC}.person_id_number)", []),
            ("NOT_INSURED", "非参保期间：就诊日该人员未参加该险种",
             f"NOT EXISTS (SELECT 1 FROM {PERSON} p JOIN {PERIOD} ip "
             f"ON ip.person_id = COALESCE(p.merged_into_id, p.id) "
             f"WHERE p.id_number = {REC}.person_id_number AND ip.insurance_type = {REC}.insurance_type "
             f"AND ip.status <> '3' AND ip.start_date <= {REC}.begin_date "
             f"AND (ip.end_date IS NULL OR ip.end_date >= {REC}.begin_date))", []),
        ]
        for code, message, condition, params in checks:
            counts[code] = counts.get(code, 0) + _mark(cursor, scope, code, message, condition, params)
        # Designation is the institutions app's: its spans read once for the month's institutions,
        # then the care days outside them marked per declaration (there are ≤ 31 days a month).
        cursor.execute(f"SELECT DISTINCT declaration_id, begin_date FROM {REC} WHERE {scope[0]} "
                       f"AND problem_code = ''", scope[1])
        days: dict[int, set[datetime.date]] = {}
        for declaration_id, day in cursor.fetchall():
            days.setdefault(declaration_id, set()).add(_as_date(day))
        by_id = {d.pk: d for d in declarations}
        spans = designation_spans({d.institution_code for d in declarations})
        for declaration_id, care_days in days.items():
            code = by_id[declaration_id].institution_code
            outside = sorted(day for day in care_days
                             if not any(a <= day and (b is None or day <= b) for a, b in spans.get(code, [])))
            if outside:
                marks = ", ".join(["%s"] * len(outside))
                counts["NOT_DESIGNATED"] = counts.get("NOT_DESIGNATED", 0) + _mark(
                    cursor, _scope([by_id[declaration_id]]), "NOT_DESIGNATED",
                    "非定点期间：就诊日本机构不在定点协议有效期内", f"begin_date IN ({marks})", outside)
    return {code: n for code, n in counts.items() if n}


def _as_date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def problems(declaration: Declaration, limit: int | None = None) -> list[tuple[int, str]]:
    """The bad records as (row, reason), in row order."""
    rows = (SettlementRecord.objects.filter(declaration=declaration).exclude(problem_code="")
            .order_by("row").values_list("row", "problem"))
    return list(rows[:limit] if limit else rows)


def _reason_case(column: str) -> tuple[str, list[str]]:
    whens = " ".join("WHEN %s THEN %s" for _ in REASONS)
    params = [value for item in REASONS.items() for value in item]
    return f"CASE {column} {whens} ELSE {column} END", params


def rule_deductions(declaration: Declaration | list[Declaration], *, actor: str) -> dict[str, int]:
    """Insert the rule deductions of one declaration or a month's; return the count per reason code."""
    declarations = declaration if isinstance(declaration, list) else [declaration]
    counts: dict[str, int] = {}
    if not declarations:
        return counts
    scope = _scope(declarations)
    where, ids = scope
    with connection.cursor() as cursor:
        # 重复收费: the same person, 医疗类别, dates and total as an earlier row of the month.
        # (A window over the month, one sort, rather than a self-join per record.)
        counts["DUP_CHARGE"] = _mark(
            cursor, scope, "DUP_CHARGE", "重复收费：与本月同一人员同日期、同类别、同金额的前一笔结算重复",
            f"id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY declaration_id, person_id_number, "
            f"begin_date, end_date, med_type, total ORDER BY row) AS n FROM {REC} "
            f"WHERE {where} AND problem_code = '') repeated WHERE n > 1)", ids)
        reason_sql, reason_params = _reason_case("problem_code")
        columns = ("declaration_id, record_id, fund, amount, reason_code, reason, source, created_by, note, "
                   "objection_state, objection_reason, decided_by, decision_note")
        # A record with a problem: its whole fund payment, fund by fund.
        for fund, column in FUND_COLUMNS.items():
            cursor.execute(
                f"INSERT INTO {DED} ({columns}) SELECT declaration_id, id, %s, {column}, problem_code, "
                f"{reason_sql}, 'rule', %s, problem, '', '', '', '' FROM {REC} "
                f"WHERE {where} AND problem_code <> '' AND {column} > 0",
                [fund, *reason_params, actor, *ids])
        cursor.execute(f"SELECT problem_code, COUNT(*) FROM {REC} WHERE {where} "
                       f"AND problem_code <> '' GROUP BY problem_code", ids)
        counts.update(dict(cursor.fetchall()))
        # 超限价: the fund payment above the cap of its 医疗类别 comes off the pooled fund.
        caps, _demo = parameters.fund_caps(declarations[0].month)
        if caps:
            cap_sql = "CASE substr(med_type, 1, 2) " + " ".join(
                "WHEN %s THEN CAST(%s AS NUMERIC)" for _ in caps) + " END"
            cap_params = [value for code, cap in caps.items() for value in (code, str(cap))]
            excess = f"(fund_total - {cap_sql})"
            pooled = "(pooled_employee + pooled_resident)"
            cursor.execute(
                f"INSERT INTO {DED} ({columns}) SELECT declaration_id, id, "
                f"CASE insurance_type WHEN '310' THEN '310100' ELSE '390100' END, "
                f"CASE WHEN {excess} < {pooled} THEN {excess} ELSE {pooled} END, 'OVER_LIMIT', %s, 'rule', %s, "
                f"%s, '', '', '', '' FROM {REC} WHERE {where} AND problem_code = '' "
                f"AND {cap_sql} IS NOT NULL AND {excess} > 0 AND {pooled} > 0",
                [*cap_params, *cap_params, REASONS["OVER_LIMIT"], actor,
                 "超限价：基金支付超过该医疗类别单次结算的支付上限（示例参数，须按本地现行文件核定）",
                 *ids, *cap_params, *cap_params])
            counts["OVER_LIMIT"] = cursor.rowcount
    return {code: n for code, n in counts.items() if n}


def _fen(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT, rounding=ROUND_HALF_UP)


def fund_sums(declaration: Declaration) -> dict[str, dict]:
    """Per fund: records paying from it, declared and deducted (reversed deductions excluded)."""
    aggregates: dict[str, Any] = {}
    for fund, column in FUND_COLUMNS.items():
        aggregates[f"s_{fund}"] = Sum(column)
        aggregates[f"n_{fund}"] = Count("id", filter=Q(**{f"{column}__gt": 0}))
    declared = SettlementRecord.objects.filter(declaration=declaration).aggregate(**aggregates)
    deducted = dict(Deduction.objects.filter(declaration=declaration)
                    .exclude(objection_state=ObjectionState.REVERSED)
                    .values_list("fund").annotate(s=Sum("amount")).values_list("fund", "s"))
    return {fund: {"records": declared[f"n_{fund}"], "declared": _fen(declared[f"s_{fund}"]),
                   "deducted": _fen(deducted.get(fund))} for fund in FUND_COLUMNS}


def fund_sums_by_declaration(declarations: list[Declaration]) -> dict[int, dict[str, dict]]:
    """``fund_sums`` for many declarations in two grouped queries (the month run)."""
    if not declarations:
        return {}
    aggregates: dict[str, Any] = {}
    for fund, column in FUND_COLUMNS.items():
        aggregates[f"s_{fund}"] = Sum(column)
        aggregates[f"n_{fund}"] = Count("id", filter=Q(**{f"{column}__gt": 0}))
    ids = [d.pk for d in declarations]
    declared = {row["declaration_id"]: row for row in SettlementRecord.objects.filter(declaration_id__in=ids)
                .values("declaration_id").annotate(**aggregates).order_by()}
    deducted: dict[int, dict[str, Decimal]] = {}
    for declaration_id, fund, amount in (Deduction.objects.filter(declaration_id__in=ids)
                                         .exclude(objection_state=ObjectionState.REVERSED)
                                         .values_list("declaration_id", "fund").annotate(s=Sum("amount"))
                                         .values_list("declaration_id", "fund", "s").order_by()):
        deducted.setdefault(declaration_id, {})[fund] = _fen(amount)
    result = {}
    for declaration_id in ids:
        row: dict = dict(declared.get(declaration_id) or {})
        result[declaration_id] = {
            fund: {"records": row.get(f"n_{fund}") or 0, "declared": _fen(row.get(f"s_{fund}")),
                   "deducted": deducted.get(declaration_id, {}).get(fund, Decimal("0.00"))}
            for fund in FUND_COLUMNS}
    return result
