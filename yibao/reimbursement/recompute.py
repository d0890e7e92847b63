"""Recompute stored claims as a batch with the dated rules (e.g. after an agency entered its
official values over a demo value), and compare with — or store over — the figures on record.

PostgreSQL only. One ordered read streams the claims with their lines (server-side cursor); the
calculator runs in a tight loop with each person's year carried forward in memory (claims of one
person, 险种 and year in care order, from an empty year); the results go into a temporary table
by COPY; then one statement compares them with the stored figures and, with ``store=True``, one
UPDATE writes the differing ones. Nothing is paid or recorded in the yearly ledger: a difference
is for the agency to review (补付/追回 are separate decisions).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from yibao.agencies.models import Region
from yibao.audit.services import record_audit
from yibao.cases.models import Case
from yibao.enrollment.models import InsurancePeriod
from yibao.reimbursement.item_rules import item_rules
from yibao.reimbursement.models import Claim, ClaimLine
from yibao.reimbursement.settlement import CATEGORY, EMERGENCY_TYPES
from yibao.rules.calculator import Episode, Line, Usage, settle
from yibao.rules.selectors import current_rulebook

ZERO = Decimal("0.00")
FETCH = 20_000


@dataclass(frozen=True)
class RecomputeResult:
    claims: int
    lines: int
    differing: int
    stored: int
    fund_before: Decimal
    fund_after: Decimal
    read_and_settle_seconds: float
    write_seconds: float


def _sql(where: str) -> str:
    claim, line, case = Claim._meta.db_table, ClaimLine._meta.db_table, Case._meta.db_table
    period, region = InsurancePeriod._meta.db_table, Region._meta.db_table
    return f"""
        WITH cl AS MATERIALIZED (
            SELECT c.id, c.person_id, r.slug, c.insurance_type, c.med_type, c.hospital_level, c.admission_date,
                   c.institution_local, c.filing_in_force, c.referral, c.handler_key,
                   COALESCE((SELECT ip.category FROM {period} ip
                             WHERE ip.person_id = c.person_id AND ip.insurance_type = c.insurance_type
                               AND ip.start_date <= c.admission_date
                             ORDER BY ip.start_date DESC, ip.id DESC LIMIT 1), '') AS category
            FROM {claim} c JOIN {case} k ON k.id = c.case_id JOIN {region} r ON r.id = k.region_id
            WHERE {where})
        SELECT cl.id, cl.person_id, cl.slug, cl.insurance_type, cl.med_type, cl.hospital_level, cl.admission_date,
               cl.institution_local, cl.filing_in_force, cl.referral, cl.handler_key, cl.category,
               l.item_code, l.grade, l.unit_price, l.quantity,
               COALESCE(l.approved_amount, l.adjusted_amount, l.claimed_amount), l.price_ceiling, l.self_pay_ratio
        FROM cl JOIN {line} l ON l.claim_id = cl.id
        ORDER BY cl.person_id, cl.insurance_type, date_part('year', cl.admission_date), cl.admission_date, cl.id, l.row
    """


def _episode(head: tuple, referral_rule: dict[str, bool]) -> Episode:
    (_id, _person, region, ins, med_type, level, admission, local, filed, referral, key, category) = head
    return Episode(
        region=region, insurance_type=ins,
        person_category="居民" if ins == "390" else CATEGORY.get(category, "在职"),
        med_type=med_type, hospital_level=level, care_date=admission, offsite=not local, filing_in_force=filed,
        emergency=med_type[:2] in EMERGENCY_TYPES,
        referral=(referral == "已办理转诊转院审批") if referral_rule.get(key) else referral != "未办理转诊转院审批",
        personal_account_balance=ZERO)


def recompute_claims(*, where: str = "TRUE", params: tuple = (), store: bool = False,
                     actor: str = "system") -> RecomputeResult:
    """Recompute the claims matching ``where`` (SQL over ``c``, the claim table, with ``params``)
    and compare with the stored 基金支付/个人负担; with ``store`` write the differing ones (audited)."""
    if connection.vendor != "postgresql":
        raise ValueError("批量重算需要 PostgreSQL")
    referral_rule = {key: rule.referral_deduction for key, rule in item_rules().items()}
    books: dict[str, object] = {}
    results: list[tuple[int, Decimal, Decimal]] = []
    n_lines = 0
    started = time.perf_counter()
    with transaction.atomic():
        with connection.chunked_cursor() as cursor:
            cursor.execute(_sql(where), params or None)
            current, head, lines = None, None, []
            year_key, usage = None, Usage()

            def flush():
                nonlocal year_key, usage
                key = (head[1], head[3], head[6].year)
                if key != year_key:
                    year_key, usage = key, Usage()
                episode = _episode(head, referral_rule)
                book = books.get(episode.region) or books.setdefault(episode.region, current_rulebook(episode.region))
                result = settle(episode, lines, usage=usage, rules=book)
                usage = usage.plus(result.usage_delta)
                results.append((head[0], result.fund_total, result.personal_total))

            while True:
                rows = cursor.fetchmany(FETCH)
                if not rows:
                    break
                n_lines += len(rows)
                for row in rows:
                    if row[0] != current:
                        if current is not None:
                            flush()
                        current, head, lines = row[0], row[:12], []
                    lines.append(Line(code=row[12], name="", grade=row[13], unit_price=row[14], quantity=row[15],
                                      amount=row[16], price_ceiling=row[17], self_pay_ratio=row[18]))
            if current is not None:
                flush()
        computed = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE reimbursement_recomputed (claim_id bigint PRIMARY KEY, "
                           "fund_total numeric(12,2), personal_total numeric(12,2)) ON COMMIT DROP")
            with cursor.cursor.copy("COPY reimbursement_recomputed FROM STDIN") as copy:
                for row in results:
                    copy.write_row(row)
            claim = Claim._meta.db_table
            cursor.execute(f"SELECT COUNT(*) FILTER (WHERE c.fund_paid IS DISTINCT FROM t.fund_total "
                           f"OR c.personal_paid IS DISTINCT FROM t.personal_total), "
                           f"COALESCE(SUM(c.fund_paid), 0), COALESCE(SUM(t.fund_total), 0) "
                           f"FROM reimbursement_recomputed t JOIN {claim} c ON c.id = t.claim_id")
            differing, before, after = cursor.fetchone()
            stored = 0
            if store and differing:
                cursor.execute(f"UPDATE {claim} c SET fund_paid = t.fund_total, personal_paid = t.personal_total "
                               f"FROM reimbursement_recomputed t WHERE c.id = t.claim_id AND "
                               f"(c.fund_paid IS DISTINCT FROM t.fund_total "
                               f"OR c.personal_paid IS DISTINCT FROM t.personal_total)")
                stored = cursor.rowcount
            cursor.execute("DROP TABLE reimbursement_recomputed")
        if stored:
            record_audit(actor=actor, action="reimbursement.claims.recompute", object_type="Claim",
                         object_id="batch", after={"claims": len(results), "stored": stored,
                                                   "fund_before": str(before), "fund_after": str(after)})
    return RecomputeResult(claims=len(results), lines=n_lines, differing=differing, stored=stored,
                           fund_before=Decimal(before), fund_after=Decimal(after),
                           read_and_settle_seconds=computed - started,
                           write_seconds=time.perf_counter() - computed)
