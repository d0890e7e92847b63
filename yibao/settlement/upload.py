"""The declaration file (月度结算明细文件): layout, template, reading and storing.

Layout (docs/settlement.md): row 1 is the header, exactly ``records.HEADERS`` in that order;
one settlement per row from row 2. CSV (UTF-8 with or without BOM, or GB18030) for large
months, .xlsx (sheet ``结算明细``; checked by ``yibao.workbooks`` before calamine opens it)
up to ``XLSX_MAX_ROWS``. Every row is read first; if any row is bad, every bad row is
reported with its number and **nothing** is stored. A good file is stored in one
transaction: by COPY on PostgreSQL, by batched inserts elsewhere.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterator

from django.db import connection, transaction
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from yibao.audit.services import record_audit
from yibao.settlement.errors import InvalidDeclaration
from yibao.settlement.models import Declaration, SettlementRecord
from yibao.settlement.records import FIELDS, HEADERS, REQUIRED_HEADERS, parse
from yibao.settlement.services import BatchReport, _own_draft, add_records
from yibao.workbooks import WorkbookCaps, WorkbookRefused, check_workbook

SHEET = "结算明细"
CSV_MAX_BYTES = 400 * 1024 * 1024  # a 1 000 000-settlement month is about 200 MB
CSV_MAX_ROWS = 2_000_000
XLSX_MAX_ROWS = 200_000
XLSX_CAPS = WorkbookCaps(label="结算明细文件", max_rows=XLSX_MAX_ROWS + 1, max_columns=len(HEADERS) + 5,
                         max_bytes=40 * 1024 * 1024, max_uncompressed=400 * 1024 * 1024)
MAX_REPORTED = 1000  # problems listed one by one; beyond that, counted
Progress = Callable[[int], None]


def template() -> bytes:
    """The .xlsx template: the header row and one example row (to be deleted)."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(HEADERS)
    sheet.append(["JS202611000001", "140105198503122515", "310", "21", "2026-11-03", "2026-11-10",
                  "1000.00", "0", "0", "0", "1000.00", "0", "600.00", "0", "0", "0", "0", "600.00",
                  "400.00", "100.00", "300.00", ""])
    for column in sheet.columns:
        for cell in column:
            cell.number_format = "@"  # text: ID numbers and codes keep every digit
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InvalidDeclaration("结算明细文件不是 UTF-8 或 GB18030 编码的 CSV 文件")
    if "\x00" in text:
        raise InvalidDeclaration("结算明细文件含有空字符（NUL），不是文本文件")
    yield from csv.reader(io.StringIO(text, newline=""))


def _xlsx_rows(content: bytes) -> Iterator[list[str]]:
    try:
        check_workbook(content, XLSX_CAPS)
    except WorkbookRefused as exc:
        raise InvalidDeclaration(str(exc)) from exc
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception as exc:  # calamine raises its own errors for anything not a workbook
        raise InvalidDeclaration("结算明细文件无法读取，请使用下载的模板（.xlsx）或 CSV") from exc
    if SHEET not in book.sheet_names:
        raise InvalidDeclaration(f"结算明细文件缺少工作表「{SHEET}」，请使用下载的模板")
    for cells in book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False):
        yield ["" if c is None else (f"{c:%Y-%m-%d}" if hasattr(c, "strftime") else
                                     (str(int(c)) if isinstance(c, float) and c.is_integer() else str(c)))
               for c in cells]


def read_file(name: str, content: bytes, *, progress: Progress | None = None) -> tuple[list[dict], BatchReport]:
    """Every row of the file parsed; problems as (row, reason). Raises for a file that is not one."""
    if content.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(content)
        limit = XLSX_MAX_ROWS
    else:
        if len(content) > CSV_MAX_BYTES:
            raise InvalidDeclaration(f"结算明细文件超过 {CSV_MAX_BYTES // 1024 // 1024} MB，请分文件上传")
        if not name.lower().endswith(".csv"):
            raise InvalidDeclaration("结算明细文件须为 .xlsx 或 .csv")
        rows = _csv_rows(content)
        limit = CSV_MAX_ROWS
    header = [h.strip() for h in next(rows, [])]
    if header[:len(REQUIRED_HEADERS)] != REQUIRED_HEADERS:
        raise InvalidDeclaration(f"结算明细文件第1行表头应为：{'、'.join(REQUIRED_HEADERS)}"
                                 f"（最后可加一列「{HEADERS[-1]}」；请使用下载的模板）")
    # Without the optional 病种组合 column every row is read as the first 21 columns.
    width = len(HEADERS) if header[len(REQUIRED_HEADERS):len(HEADERS)] == HEADERS[-1:] else len(REQUIRED_HEADERS)
    report = BatchReport()
    good: list[dict] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        if number - 1 > limit:
            raise InvalidDeclaration(f"结算明细文件最多 {limit} 行，请分文件上传")
        result = parse(dict(zip(FIELDS[:width], cells, strict=False)), row=number)
        if result.values is None:
            report.problems.append((number, "；".join(result.problems)))
        else:
            key = result.values["settlement_id"]
            if key in seen:
                report.problems.append((number, f"结算编号：{key} 与第 {seen[key]} 行重复"))
            else:
                seen[key] = number
                good.append(result.values)
        if progress and number % 50_000 == 0:
            progress(number)
    if not good and not report.problems:
        raise InvalidDeclaration("结算明细文件没有数据行（应从第2行起填写）")
    return good, report


def _copy(declaration: Declaration, values: list[dict]) -> None:
    table = SettlementRecord._meta.db_table
    columns = ["declaration_id", "row", *FIELDS, "problem_code", "problem"]
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for v in values:
                copy.write_row([declaration.pk, v["row"], *(v[f] for f in FIELDS), "", ""])


def import_file(*, actor: str, institution_code: str, declaration: Declaration, name: str, content: bytes,
                progress: Progress | None = None) -> BatchReport:
    """Upload a month's file to a draft declaration: all rows checked, nothing stored unless all are good."""
    _own_draft(declaration, institution_code)
    started = time.perf_counter()
    good, report = read_file(name, content, progress=progress)
    if report.problems:
        report.problems = report.problems[:MAX_REPORTED] + (
            [(0, f"……另有 {len(report.problems) - MAX_REPORTED} 行有误")] if len(report.problems) > MAX_REPORTED
            else [])
        return report
    if SettlementRecord.objects.filter(declaration=declaration).exists():
        # Some records came before (API or an earlier file): the idempotent path, batch by batch.
        total = BatchReport()
        for start in range(0, len(good), 5000):
            part = add_records(actor=actor, institution_code=institution_code, declaration=declaration,
                               records=[{k: v for k, v in r.items() if k != "row"} for r in good[start:start + 5000]],
                               first_row=good[start]["row"])
            total.accepted += part.accepted
            total.repeated += part.repeated
            total.problems += part.problems
        return total
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        _own_draft(locked, institution_code)
        if connection.vendor == "postgresql":
            _copy(locked, good)
            if len(good) > 50_000:
                # Fresh statistics, or the validation that follows plans for a small table
                # (nested loops over a million rows: 110 s measured instead of ~30 s).
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {SettlementRecord._meta.db_table}")
        else:
            SettlementRecord.objects.bulk_create(
                (SettlementRecord(declaration=locked, **v) for v in good), batch_size=2000)
        record_audit(actor=actor, action="settlement.import_file", object_type="settlement.Declaration",
                     object_id=locked.pk, after={"file": name[:100], "records": len(good),
                                                 "seconds": round(time.perf_counter() - started, 1)})
    report.accepted = len(good)
    return report
