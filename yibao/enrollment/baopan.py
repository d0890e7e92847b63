"""The 报盘 of 职工医保缴费基数申报: its Excel layout (docs/baopan.md), the
template (openpyxl), reading it (python-calamine) and the checked rows as a PDF.

Row numbers in every message are the Excel row numbers the unit sees: the
title is row 1, the header row 2, data from row 3.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from python_calamine import CalamineWorkbook
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from yibao.documents.pdf import register_cjk_font
from yibao.enrollment.models import InsurancePeriod, InsuranceStatus, InsuranceType, Unit
from yibao.enrollment.services.contributions import (
    DECLARABLE_CATEGORIES,
    BaseRow,
    GoodRow,
    baopan_rules,
)
from yibao.workbooks import WorkbookCaps, WorkbookRefused, check_workbook

SHEET = "缴费基数申报"
TITLE = "职工医保缴费基数申报表（报盘）"
HEADER_ROW = 2
FIRST_DATA_ROW = 3
# (column header, BaseRow field, required)
COLUMNS = (
    ("证件号码", "id_number", True),
    ("姓名", "name", True),
    ("申报年度", "year", True),
    ("月缴费基数", "base", True),
    ("备注", "remark", False),
)
MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
# openpyxl/Excel numbers hold 15 significant digits: an 18-digit ID typed as a number is already wrong.
LONGEST_EXACT_NUMBER = 15
# Rows a user formatted or left empty below the data are tolerated up to this many; the
# exact row limit is checked on the rows that hold data.
SPARE_ROWS = 1000
# Checked on the zip before calamine opens it (yibao.workbooks): the title and header rows,
# MAX_ROWS data rows and a few spare columns.
CAPS = WorkbookCaps(label="报盘文件", max_rows=FIRST_DATA_ROW - 1 + MAX_ROWS + SPARE_ROWS, max_columns=26, max_bytes=MAX_BYTES)


class BaopanFileError(ValueError):
    """The file as a whole cannot be read (not a workbook, too big, no such sheet, wrong header)."""


@dataclass
class BaopanRead:
    rows: list[BaseRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def template(*, year: int, unit: Unit | None = None) -> bytes:
    """The 报盘 template; for a unit, prefilled with its employees' 证件号码, 姓名 and 申报年度."""
    rules = baopan_rules()
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([TITLE])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet.append([header for header, _, _ in COLUMNS])
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for letter, width in zip("ABCDE", (24, 14, 10, 14, 24), strict=True):
        sheet.column_dimensions[letter].width = width
    employees = []
    if unit is not None:
        employees = list(InsurancePeriod.objects.filter(
            unit=unit, insurance_type=InsuranceType.EMPLOYEE_BASIC, status=InsuranceStatus.INSURED,
            category__in=DECLARABLE_CATEGORIES).order_by("person__id_number")
            .values_list("person__id_number", "person__name").distinct())
    for id_number, name in employees:
        sheet.append([id_number, name, str(year), None, None])
    # Text format for 证件号码 and 申报年度: typed as numbers they lose digits or gain ".0".
    for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + max(len(employees), 500)):
        sheet.cell(row=row, column=1).number_format = "@"
        sheet.cell(row=row, column=3).number_format = "@"
        sheet.cell(row=row, column=4).number_format = "0.00"
    notes = book.create_sheet("填表说明")
    for line in (
        f"1. 工作表「{SHEET}」第1行为标题，第2行为表头，请从第3行起每行填写一人，不要改动表头和工作表名。",
        "2. 证件号码：参保登记时的证件号码（居民身份证18位，末位可为X），请以文本格式填写。",
        "3. 姓名：与参保登记的姓名一致。",
        f"4. 申报年度：四位年份，与网页上选择的申报年度一致（如 {year}）。",
        f"5. 月缴费基数：单位为元，最多两位小数，范围 {rules['base_min']}–{rules['base_max']} 元。",
        "6. 在职及退休人员均可申报；每人只填一行。备注可不填。",
    ):
        notes.append([line])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value).strip()


def _id_text(value) -> tuple[str, str]:
    """(ID number, problem): a number cell longer than Excel keeps exactly is refused."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        digits = _cell_text(value)
        if len(digits) > LONGEST_EXACT_NUMBER:
            return digits, "证件号码以数字格式填写，末几位已丢失，请把该列设为文本格式后重新填写"
        return digits, ""
    return _cell_text(value).replace(" ", "").upper(), ""


def read_baopan(content: bytes) -> BaopanRead:
    """Every data row of a 报盘 as a ``BaseRow``, and every row that cannot be read, at once."""
    try:
        check_workbook(content, CAPS)
    except WorkbookRefused as exc:
        raise BaopanFileError(str(exc)) from exc
    try:
        book = CalamineWorkbook.from_filelike(BytesIO(content))
    except Exception as exc:  # calamine raises its own errors for anything not a workbook
        raise BaopanFileError("报盘文件无法读取，请使用下载的 Excel 模板（.xlsx）填写") from exc
    if SHEET not in book.sheet_names:
        raise BaopanFileError(f"报盘文件缺少工作表「{SHEET}」，请使用下载的模板")
    table = book.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    if len(table) < HEADER_ROW:
        raise BaopanFileError(f"报盘文件缺少表头（第{HEADER_ROW}行）")
    header = [_cell_text(c) for c in table[HEADER_ROW - 1]]
    expected = [h for h, _, _ in COLUMNS]
    if header[:len(expected)] != expected:
        raise BaopanFileError(f"报盘第{HEADER_ROW}行表头应为：{'、'.join(expected)}，请使用下载的模板")
    result = BaopanRead()
    count = 0
    for number, cells in enumerate(table[FIRST_DATA_ROW - 1:], start=FIRST_DATA_ROW):
        values = list(cells[:len(COLUMNS)]) + [None] * (len(COLUMNS) - len(cells))
        if not any(_cell_text(v) for v in values[:4]):
            continue
        count += 1
        if count > MAX_ROWS:
            raise BaopanFileError(f"报盘最多 {MAX_ROWS} 行，请分批申报")
        id_number, problem = _id_text(values[0])
        if problem:
            result.errors.append((number, problem))
            continue
        result.rows.append(BaseRow(row=number, id_number=id_number, name=_cell_text(values[1]),
                                   year=_cell_text(values[2]), base=_cell_text(values[3])))
    if not result.rows and not result.errors:
        raise BaopanFileError(f"报盘没有数据行（应从第{FIRST_DATA_ROW}行起填写）")
    return result


def rows_pdf(*, unit_name: str, uscc: str, year: int, rows: list[GoodRow]) -> bytes:
    """The checked rows as a PDF (the case engine keeps materials as PDF or images).

    Drawn on the canvas line by line rather than with a platypus table: a
    10 000-row 报盘 renders in about a second.
    """
    font = register_cjk_font()
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{TITLE} {year}")
    width, height = A4
    left, top, line = 15 * mm, height - 15 * mm, 5.2 * mm
    columns = (left, left + 18 * mm, left + 68 * mm, left + 108 * mm, left + 128 * mm)
    total = sum((r.base for r in rows), Decimal("0.00"))
    per_page = int((top - 25 * mm) // line)
    pages = max(1, -(-len(rows) // per_page))
    for page in range(pages):
        y = top
        canvas.setFont(font, 13)
        canvas.drawString(left, y, f"{TITLE}　申报年度 {year}")
        y -= 7 * mm
        canvas.setFont(font, 9)
        canvas.drawString(left, y, f"申报单位：{unit_name}（{uscc}）　共 {len(rows)} 人　月缴费基数合计 {total} 元"
                                   f"　第 {page + 1}/{pages} 页")
        y -= 7 * mm
        for x, text in zip(columns, ("行号", "证件号码", "姓名", "申报年度", "月缴费基数（元）"), strict=True):
            canvas.drawString(x, y, text)
        canvas.line(left, y - 1.5 * mm, width - left, y - 1.5 * mm)
        y -= line
        for r in rows[page * per_page:(page + 1) * per_page]:
            for x, text in zip(columns, (str(r.row), r.id_number, r.name, str(year), f"{r.base:,.2f}"), strict=True):
                canvas.drawString(x, y, text)
            y -= line
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
