"""``yibao bench reimbursement``: recompute stored claims as a batch (figures in docs/benchmarks.md).

Not a test. Benchmark claims are generated in bulk on PostgreSQL (set-wise INSERT … SELECT from
one template row each; persons ``B…``, cases ``BENCH…``), once per size: a later run with the same
``--claims`` and ``--lines`` reuses them. The timed part is ``recompute.recompute_claims`` over
them: first storing (every claim's figures written), then comparing (nothing differs).
Requires the catalog of the demo cities (``yibao demo``); benchmark rows are deleted with raw SQL
when the size changes (benchmark data only).
"""

from __future__ import annotations

import datetime
import time

from django.db import connection, transaction

from yibao.agencies.models import Agency, Region
from yibao.cases.models import Case
from yibao.catalog.models import Item
from yibao.enrollment.models import InsurancePeriod, Person
from yibao.reimbursement.item_rules import item_rules
from yibao.reimbursement.models import Claim, ClaimLine
from yibao.reimbursement.recompute import recompute_claims
from yibao.rules.parameters import regions

CASE_PREFIX, PERSON_PREFIX = "BENCH", "B"
WHERE = f"c.case_id IN (SELECT id FROM {Case._meta.db_table} WHERE number LIKE 'BENCH%%')"


def _targets() -> list[tuple[Region, Agency, Item]]:
    """Per rules region: its region, an agency and a current 住院 reimbursement item."""
    targets = []
    for slug in regions():
        region = Region.objects.filter(slug=slug).first()
        agency = Agency.objects.filter(region=region).order_by("id").first() if region else None
        items = Item.objects.filter(version__region=region, version__is_current=True) if region else []
        item = next((i for i in items if (i.data or {}).get("handler", "").startswith("reimbursement_in")), None)
        if region and agency and item:
            targets.append((region, agency, item))
    if not targets:
        raise ValueError("没有可用的零星报销事项：请先运行 yibao demo（载入三市事项目录和经办机构）")
    return targets


def _table(model) -> str:
    return model._meta.db_table


def _clone(cursor, model, template_id: int, count: int, overrides: dict[str, str]) -> None:
    """INSERT ``count`` copies of one row, columns overridden by SQL expressions over ``g`` (1…count)."""
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    exprs = [overrides.get(column, f"t.{column}") for column in columns]
    cursor.execute(f"INSERT INTO {_table(model)} ({', '.join(columns)}) SELECT {', '.join(exprs)} "
                   f"FROM {_table(model)} t CROSS JOIN generate_series(1, %s) g WHERE t.id = %s",
                   [count, template_id])


def clear() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cases = f"SELECT id FROM {_table(Case)} WHERE number LIKE 'BENCH%%'"
        claims = f"SELECT id FROM {_table(Claim)} WHERE case_id IN ({cases})"
        cursor.execute(f"DELETE FROM {_table(ClaimLine)} WHERE claim_id IN ({claims})")
        cursor.execute(f"DELETE FROM {_table(Claim)} WHERE case_id IN ({cases})")
        cursor.execute(f"DELETE FROM {_table(Case)} WHERE number LIKE 'BENCH%%'")
        persons = f"SELECT id FROM {_table(Person)} WHERE id_number LIKE 'B%%'"
        cursor.execute(f"DELETE FROM {_table(InsurancePeriod)} WHERE person_id IN ({persons})")
        cursor.execute(f"DELETE FROM {_table(Person)} WHERE id_number LIKE 'B%%'")


def _existing(lines: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), COALESCE(MAX(n), 0) FROM (SELECT COUNT(*) n FROM {_table(ClaimLine)} l "
                       f"JOIN {_table(Claim)} c ON c.id = l.claim_id WHERE {WHERE} GROUP BY c.id) x")
        count, most = cursor.fetchone()
    return count if most == lines else -1


def generate(*, claims: int, lines: int) -> float:
    """Bulk-generate ``claims`` paid claims of ``lines`` lines each; returns the seconds it took."""
    started = time.perf_counter()
    targets = _targets()
    clear()
    persons = max(1, claims // 4)
    n = len(targets)
    region_ids = ",".join(str(r.id) for r, _a, _i in targets)
    agency_ids = ",".join(str(a.id) for _r, a, _i in targets)
    item_ids = ",".join(str(i.id) for _r, _a, i in targets)
    handlers = ",".join(f"'{i.data['handler']}'" for _r, _a, i in targets)
    assert all(i.data["handler"] in item_rules() for _r, _a, i in targets)
    region, agency, item = targets[0]
    with transaction.atomic(), connection.cursor() as cursor:
        person = Person.objects.create(id_number=f"{PERSON_PREFIX}{0:017d}", name="基准参保人", sex="1",
                                       birth_date=datetime.date(1960, 1, 1), region=region, home_agency=agency)
        InsurancePeriod.objects.create(person=person, insurance_type="310", status="1", category="retired",
                                       home_agency=agency, start_date=datetime.date(2010, 1, 1))
        case = Case.objects.create(number=f"{CASE_PREFIX}{0:012d}", item=item, region=region, status="paid",
                                   channel="window", applicant_kind="person", applicant_name=person.name,
                                   applicant_id_number=person.id_number, applicant_phone="13900000000",
                                   home_agency=agency)
        claim = Claim.objects.create(
            case=case, person=person, handler_key=item.data["handler"], insurance_type="310", med_type="21",
            institution_name="基准医院", institution_local=True, hospital_level="二级",
            admission_date=datetime.date(2025, 1, 1), discharge_date=datetime.date(2025, 1, 5),
            diagnosis_name="基准", referral="已办理转诊转院审批", status="paid", claimed_total=0)
        _clone(cursor, Person, person.id, persons, {
            "id_number": f"'{PERSON_PREFIX}' || lpad(g::text, 17, '0')", "name": "'基准' || g",
            "region_id": f"(ARRAY[{region_ids}])[1 + mod(g, {n})]", "home_agency_id": f"(ARRAY[{agency_ids}])[1 + mod(g, {n})]"})
        cursor.execute(
            f"INSERT INTO {_table(InsurancePeriod)} (person_id, insurance_type, status, category, unit_code, "
            f"home_agency_id, start_date, stop_reason, started_by_case, stopped_by_case) "
            f"SELECT p.id, CASE WHEN mod(p.id, 3) = 0 THEN '390' ELSE '310' END, '1', "
            f"CASE WHEN mod(p.id, 3) = 0 THEN 'resident' WHEN mod(p.id, 2) = 0 THEN 'retired' ELSE 'employed' END, '', "
            f"p.home_agency_id, DATE '2010-01-01', '', '', '' FROM {_table(Person)} p "
            f"WHERE p.id_number LIKE 'B%%' AND p.id <> %s", [person.id])
        _clone(cursor, Case, case.id, claims, {
            "number": f"'{CASE_PREFIX}' || lpad(g::text, 12, '0')",
            "region_id": f"(ARRAY[{region_ids}])[1 + mod(g, {n})]", "home_agency_id": f"(ARRAY[{agency_ids}])[1 + mod(g, {n})]",
            "item_id": f"(ARRAY[{item_ids}])[1 + mod(g, {n})]"})
        columns = [f.column for f in Claim._meta.concrete_fields if not f.primary_key]
        overrides = {
            "case_id": "k.id", "person_id": "p.id", "handler_key": f"(ARRAY[{handlers}])[1 + mod(g, {n})]",
            "insurance_type": "ip.insurance_type",
            "med_type": "(ARRAY['21','22','23','24','21','21'])[1 + mod(g, 6)]",
            "hospital_level": "(ARRAY['一级','二级','三级'])[1 + mod(g, 3)]",
            "admission_date": "DATE '2025-01-01' + mod(g * 37, 700)",
            "discharge_date": "DATE '2025-01-01' + mod(g * 37, 700) + mod(g, 12)",
            "institution_local": "mod(g, 5) <> 0", "filing_in_force": "mod(g, 10) = 0",
            "referral": "(ARRAY['已办理转诊转院审批','未办理转诊转院审批','不涉及'])[1 + mod(g, 3)]",
        }
        exprs = [overrides.get(column, f"t.{column}") for column in columns]
        cursor.execute(
            f"INSERT INTO {_table(Claim)} ({', '.join(columns)}) SELECT {', '.join(exprs)} "
            f"FROM {_table(Claim)} t CROSS JOIN generate_series(1, %s) g "
            f"JOIN {_table(Case)} k ON k.number = '{CASE_PREFIX}' || lpad(g::text, 12, '0') "
            f"JOIN {_table(Person)} p ON p.id_number = '{PERSON_PREFIX}' || lpad((1 + mod(g, %s))::text, 17, '0') "
            f"JOIN {_table(InsurancePeriod)} ip ON ip.person_id = p.id WHERE t.id = %s",
            [claims, persons, claim.id])
        # Lines: price, quantity and grade from a hash of (claim, row); 10 % carry a price ceiling.
        cursor.execute(
            f"INSERT INTO {_table(ClaimLine)} (claim_id, row, item_code, item_name, grade, unit_price, quantity, "
            f"price_ceiling, self_pay_ratio, claimed_amount, adjust_reason, adjust_note, adjusted_by, "
            f"approved_amount) "
            f"SELECT c.id, r, lpad(r::text, 9, '0'), '基准项目', x.grade, x.price, x.qty, "
            f"CASE WHEN mod(x.h, 10) = 0 THEN round(x.price * 0.9, 4) END, "
            f"CASE WHEN x.grade = '乙' AND mod(x.h, 5) = 0 THEN 0.2 END, round(x.price * x.qty, 2), '', '', '', "
            f"round(x.price * x.qty, 2) "
            f"FROM {_table(Claim)} c CROSS JOIN generate_series(1, %s) r "
            f"CROSS JOIN LATERAL (SELECT h, (ARRAY['甲','甲','乙','丙'])[1 + mod(h, 4)] AS grade, "
            f"((100 + mod(h, 20000)) / 100.0)::numeric(12,4) AS price, (1 + mod(h / 7, 10))::numeric(12,4) AS qty "
            f"FROM (SELECT abs(hashint4((c.id * 1000 + r)::int)) AS h) s) x "
            f"WHERE {WHERE} AND c.id <> %s", [lines, claim.id])
        cursor.execute(
            f"UPDATE {_table(Claim)} c SET claimed_total = s.total, approved_total = s.total FROM "
            f"(SELECT claim_id, SUM(claimed_amount) total FROM {_table(ClaimLine)} GROUP BY claim_id) s "
            f"WHERE s.claim_id = c.id AND {WHERE}")
        # The template rows are not benchmark claims.
        Claim.objects.filter(pk=claim.pk).delete()
        cursor.execute(f"DELETE FROM {_table(Case)} WHERE id = %s", [case.id])
        cursor.execute(f"ANALYZE {_table(Claim)}")
        cursor.execute(f"ANALYZE {_table(ClaimLine)}")
    return time.perf_counter() - started


def recompute_suite(*, claims: int, lines: int) -> dict[str, str]:
    if connection.vendor != "postgresql":
        raise ValueError("reimbursement 基准需要 PostgreSQL（YIBAO_DATABASE_URL）")
    generated = ""
    if _existing(lines) != claims:
        generated = f"{generate(claims=claims, lines=lines):.1f}"
    first = recompute_claims(where=WHERE, store=True, actor="bench")
    second = recompute_claims(where=WHERE, store=False, actor="bench")
    return {
        "claims": str(first.claims), "lines": str(first.lines), "generated_seconds": generated or "（已有，复用）",
        "store_run_seconds": f"{first.read_and_settle_seconds + first.write_seconds:.1f}",
        "store_run_read_settle": f"{first.read_and_settle_seconds:.1f}", "store_run_write": f"{first.write_seconds:.1f}",
        "stored": str(first.stored),
        "compare_run_seconds": f"{second.read_and_settle_seconds + second.write_seconds:.1f}",
        "differing_after_store": str(second.differing), "fund_total": str(second.fund_after),
        "claims_per_second": f"{second.claims / (second.read_and_settle_seconds + second.write_seconds):.0f}",
    }
