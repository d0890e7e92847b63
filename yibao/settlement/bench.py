"""yibao bench settlement | settlement-upload: the month run and the file upload at a city's scale.

Not tests: measured figures for docs/benchmarks.md. Both work on the region given (default
``--region taiyuan``, a city generated with ``yibao generate``), replace the benchmark month's
declarations of that region each time (raw DELETEs: benchmark data only), and print the COPY
ceiling of the same rows on the same machine beside their figures.
"""

from __future__ import annotations

import io
import os
import tempfile
import time

from django.db import connection, transaction
from django.db.models import Q

from yibao.agencies.models import Region
from yibao.settlement import services, synthetic, upload
from yibao.settlement.models import Declaration, Deduction, SettlementRecord, StatementLine
from yibao.settlement.progress import progress_bar


def _region(options) -> Region:
    key = options.get("region") or "taiyuan"
    region = Region.objects.filter(Q(slug=key) | Q(code=key)).first()
    if region is None:
        raise ValueError(f"未知统筹区 {key}：请先 yibao generate --region … 生成参保数据")
    return region


def _clear(month, codes) -> None:
    ids = list(Declaration.objects.filter(month=month, institution_code__in=codes).values_list("pk", flat=True))
    if not ids:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Deduction, StatementLine, SettlementRecord):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE declaration_id = ANY(%s)", [ids])
        cursor.execute(f"DELETE FROM {Declaration._meta.db_table} WHERE id = ANY(%s)", [ids])


def _copy_ceiling(month, codes) -> tuple[int, float]:
    """COPY of the month's rows, already serialised, into an unindexed table: the database's ceiling."""
    table = SettlementRecord._meta.db_table
    buffer = io.BytesIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor
        ids = list(Declaration.objects.filter(month=month, institution_code__in=codes).values_list("pk", flat=True))
        with raw.copy(f"COPY (SELECT * FROM {table} WHERE declaration_id = ANY(ARRAY{ids}::bigint[])) TO STDOUT") as c:
            for chunk in c:
                buffer.write(chunk)
        cursor.execute(f"CREATE TEMP TABLE copy_ceiling (LIKE {table})")
        started = time.perf_counter()
        with raw.copy("COPY copy_ceiling FROM STDIN") as c:
            c.write(buffer.getvalue())
        seconds = time.perf_counter() - started
        cursor.execute("SELECT COUNT(*) FROM copy_ceiling")
        rows = cursor.fetchone()[0]
        cursor.execute("DROP TABLE copy_ceiling")
    return rows, seconds


def _institutions(region: Region, records: int) -> list[str]:
    from yibao.institutions.models import Institution

    codes = [c for c in Institution.objects.filter(region=region, national_code__isnull=False)
             .values_list("national_code", flat=True) if c]
    wanted = max(10, records // 600)
    # A demo database has one designated hospital per city: a city's month needs its many institutions.
    if len(codes) < wanted:
        synthetic.generate_institutions(region=region, count=wanted - len(codes))
        codes = [c for c in Institution.objects.filter(region=region, national_code__isnull=False)
                 .values_list("national_code", flat=True) if c]
    return codes


def settlement_suite(options) -> list[str]:
    """Validate + review by rule + every statement for a month of ``--records`` settlements."""
    if connection.vendor != "postgresql":
        raise ValueError("settlement 基准需要 PostgreSQL（YIBAO_DATABASE_URL）")
    region = _region(options)
    records = options.get("records_n") or 1_000_000
    month = services.month_start(options.get("month") or "2026-11")
    codes = _institutions(region, records)
    _clear(month, codes)
    with progress_bar(f"生成 {month:%Y-%m} 直接结算", records) as advance:
        made = synthetic.generate_month(region=region, month=month, records=records, progress=advance)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {SettlementRecord._meta.db_table}")
    started = time.perf_counter()
    run = services.run_month(actor="bench", month=f"{month:%Y-%m}")
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    rerun = services.run_month(actor="bench", month=f"{month:%Y-%m}")
    rerun_seconds = time.perf_counter() - started
    ceiling_rows, ceiling = _copy_ceiling(month, codes)
    return [
        f"settlement month run ({region.name}, {made.institutions} institutions, {run.records:,} records)",
        f"  generate (Python rows + COPY)        {made.seconds:6.1f} s  {made.records / made.seconds:10,.0f} rows/s",
        f"  validate + rule review + statements  {seconds:6.1f} s  {run.records / seconds:10,.0f} records/s  "
        f"stages {run.seconds}",
        f"  problems {run.problems}; rule deductions {run.deductions}; statements {run.statements}",
        f"  rerun of the month                   {rerun_seconds:6.2f} s  (declarations touched: {rerun.declarations})",
        f"  COPY ceiling (same rows, no indexes) {ceiling:6.1f} s  {ceiling_rows / ceiling:10,.0f} rows/s",
    ]


def upload_suite(options) -> list[str]:
    """A ``--records`` settlement CSV for one institution: accepted, checked and stored, then validated."""
    region = _region(options)
    records = options.get("records_n") or 1_000_000
    month = services.month_start(options.get("month") or "2026-10")
    codes = _institutions(region, records)
    code = sorted(c for c in codes if c.startswith("H"))[0]
    _clear(month, [code])
    persons = synthetic._insured(region, month)
    rows = synthetic.settlements(institutions=[(code, "3")], persons=persons, month=month, records=records)
    handle, path = tempfile.mkstemp(suffix=".csv")
    os.close(handle)
    try:
        written = synthetic.write_csv(path, rows)
        with open(path, "rb") as source:
            content = source.read()
        declaration = services.open_declaration(actor="bench", institution_code=code, month=f"{month:%Y-%m}")
        started = time.perf_counter()
        with progress_bar("读取并校验文件", written + 1) as advance:
            report = upload.import_file(actor="bench", institution_code=code, declaration=declaration,
                                        name="bench.csv", content=content, progress=advance)
        stored = time.perf_counter() - started
        started = time.perf_counter()
        problems = services.validate(declaration=declaration)
        checked = time.perf_counter() - started
    finally:
        os.unlink(path)
    ceiling_rows, ceiling = _copy_ceiling(month, [code])
    return [
        f"settlement file upload ({written:,} records, {len(content) / 1e6:.0f} MB CSV, one institution)",
        f"  read + parse + check rows + COPY     {stored:6.1f} s  {written / stored:10,.0f} rows/s "
        f"(accepted {report.accepted:,}, bad rows {len(report.problems)})",
        f"  validate against the records (SQL)   {checked:6.1f} s  bad records {len(problems)}",
        f"  total                                {stored + checked:6.1f} s",
        f"  COPY ceiling (same rows, no indexes) {ceiling:6.1f} s  {ceiling_rows / ceiling:10,.0f} rows/s",
    ]
