"""The 花名表 of a unit's batch filing: the Excel template (openpyxl) and reading it (python-calamine).

Row numbers in every message are the Excel row numbers the unit sees (the
title is row 1, the header row 2, data from row 3).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import ValidationError
from python_calamine import CalamineWorkbook
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from yibao.documents.pdf import styles
from yibao.enrollment.models import Person
from yibao.ids import InvalidIdentifier, validate_resident_id
from yibao.offsite.handlers import RosterRow, roster_lines
from yibao.offsite.models import FilingCategory
from yibao.offsite.rules import ItemRule, category_label
from yibao.offsite.services import check_roster
from yibao.validation import chinese_message
from yibao.workbooks import WorkbookCaps, WorkbookRefused, check_workbook

MAX_ROWS = 10_000
MAX_BYTES = 5 * 1024 * 1024
FIRST_DATA_ROW = 3
# (column header, RosterRow field, required)
COLUMNS = (
    ("姓名", "name", True),
    ("公民身份号码", "id_number", True),
    ("人员类别", "category", False),
    ("转往省(市、区)", "destination_province", True),
    ("转往地区(市、州)", "destination_city", False),
    ("开始日期", "start_date", False),
    ("结束日期", "end_date", False),
    ("异地联系地址", "offsite_address", False),
    ("联系电话", "phone", False),
    ("备注", "reason", False),
)
# Rows a user formatted or left empty below the data are tolerated up to this many; the
# exact row limit is checked on the rows that hold data.
SPARE_ROWS = 1000
# Checked on the zip before calamine opens it (yibao.workbooks).
CAPS = WorkbookCaps(label="花名表文件", max_rows=FIRST_DATA_ROW - 1 + MAX_ROWS + SPARE_ROWS, max_columns=26, max_bytes=MAX_BYTES)
LABELS = {name: header for header, name, _ in COLUMNS}


class RosterFileError(ValueError):
    """The file as a whole cannot be read (not Excel, too big, wrong header)."""


@dataclass
class RosterRead:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def template(*, title: str, rule: ItemRule) -> bytes:
    """The empty 花名表 for an item, with the header, a note row and a category list."""
    book = Workbook()
    sheet = book.active
    sheet.title = "花名表"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    sheet.append([f"{header}*" if required else header for header, _, required in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for index, (_header, name, _required) in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=2, column=index).column_letter
        sheet.column_dimensions[letter].width = 24 if name in ("id_number", "offsite_address") else 16
        # Text format: an 18-digit ID number typed as a number would lose its last digits.
        for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 500):
            sheet.cell(row=row, column=index).number_format = "@" if name not in ("start_date", "end_date") \
                else "yyyy-mm-dd"
    labels = [category_label(c) for c in rule.categories]
    choice = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
    choice.add(f"C{FIRST_DATA_ROW}:C{FIRST_DATA_ROW + MAX_ROWS}")
    sheet.add_data_validation(choice)
    notes = book.create_sheet("填表说明")
    for line in (
        "1. 第2行为表头，请从第3行起每行填写一人，不要改动表头。带*的列必填。",
        f"2. 人员类别：{'、'.join(labels)}；本事项只有一个类别时可不填。",
        "3. 转往省(市、区)填省级名称（如 广东省）；转往地区(市、州)填地级市（如 深圳市），直辖市可不填。",
        "4. 开始日期不填为办理当日；长期备案不填结束日期；日期格式 2026-03-01。",
        "5. 公民身份号码请以文本格式填写（18位，末位可为X）。",
    ):
        notes.append([line])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        parts = text.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError:
                pass
        raise ValueError(f"{label}「{text}」不是有效日期，格式如 2026-03-01") from None


def read_roster(content: bytes) -> RosterRead:
    """Every data row of a 花名表 as a ``RosterRow``, and every row that cannot be read, at once."""
    try:
        check_workbook(content, CAPS)
    except WorkbookRefused as exc:
        raise RosterFileError(str(exc)) from exc
    try:
        book = CalamineWorkbook.from_filelike(BytesIO(content))
        table = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own errors for anything not a workbook
        raise RosterFileError("花名表文件无法读取，请使用下载的 Excel 模板（.xlsx）填写") from exc
    if len(table) < 2:
        raise RosterFileError("花名表缺少表头（第2行）")
    header = [_text(cell).rstrip("*") for cell in table[1]]
    expected = [h for h, _, _ in COLUMNS]
    if header[:len(expected)] != expected:
        raise RosterFileError(f"花名表第2行表头应为：{'、'.join(expected)}，请使用下载的模板")
    body = table[FIRST_DATA_ROW - 1:]
    result = RosterRead()
    data_rows = [(n, r) for n, r in enumerate(body, start=FIRST_DATA_ROW) if any(_text(c) for c in r)]
    if len(data_rows) > MAX_ROWS:
        raise RosterFileError(f"花名表最多 {MAX_ROWS} 行，实际 {len(data_rows)} 行，请分批申报")
    categories = {label for _value, label in FilingCategory.choices}
    for number, cells in data_rows:
        values = {name: cells[i] if i < len(cells) else None for i, (_h, name, _r) in enumerate(COLUMNS)}
        problems = [f"{header}必填" for header, name, required in COLUMNS if required and not _text(values[name])]
        record = {"row": number}
        for _header, name, _required in COLUMNS:
            if name in ("start_date", "end_date"):
                try:
                    record[name] = _date(values[name], LABELS[name])
                except ValueError as exc:
                    problems.append(str(exc))
            else:
                record[name] = _text(values[name])
        # Only the shape here: an ID number found among the insured is valid; the others get the
        # full check (check digit, birth date) in check_roster_file, which names what is wrong.
        record["id_number"] = record["id_number"].upper()
        if record["category"] and record["category"] not in categories:
            problems.append(f"人员类别「{record['category']}」无效")
        if problems:
            result.errors.append((number, "；".join(problems)))
            continue
        try:
            result.rows.append(RosterRow.model_validate(record))
        except ValidationError as exc:
            error = exc.errors()[0]
            label = LABELS.get(str(error["loc"][0]), str(error["loc"][0]))
            result.errors.append((number, f"{label}：{chinese_message(error)}"))
    return result


def check_roster_file(*, content: bytes, rule: ItemRule, region, unit_uscc: str,
                      today: dt.date) -> tuple[list[RosterRow], list[tuple[int, str]]]:
    """Read and check a 花名表: the good rows and every bad row (row number, reason), sorted by row."""
    read = read_roster(content)
    good: list[RosterRow] = []
    errors = list(read.errors)
    known = set(Person.objects.filter(id_number__in={r.id_number for r in read.rows})
                .values_list("id_number", flat=True))
    rows = []
    for row in read.rows:
        if row.id_number not in known:
            try:
                validate_resident_id(row.id_number)
            except InvalidIdentifier as exc:
                errors.append((row.row, str(exc)))
                continue
        rows.append(row)
    read.rows = rows
    if read.rows:
        by_row = {row.row: row for row in read.rows}
        checked = check_roster(lines=roster_lines(rule, read.rows), unit_uscc=unit_uscc, region=region,
                               rule=rule, today=today)
        errors += checked.errors
        good = [by_row[line.row] for line, _filing in checked.good]
    elif not errors:
        errors.append((FIRST_DATA_ROW, "花名表没有数据行"))
    return good, sorted(errors)


def roster_pdf(*, title: str, unit_name: str, rows: list[RosterRow]) -> bytes:
    """The checked 花名表 as a PDF: the case engine keeps materials as PDF or images only."""
    style = styles()
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title)
    header = ["行号", "姓名", "公民身份号码", "人员类别", "转往省", "转往地区", "开始日期", "结束日期"]
    body = [[str(r.row), r.name, r.id_number, r.category or "—", r.destination_province, r.destination_city,
             r.start_date.isoformat() if r.start_date else "办理当日", r.end_date.isoformat() if r.end_date else ""]
            for r in rows]
    table = Table([[Paragraph(c, style["cell"]) for c in line] for line in [header, *body]], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
    doc.build([Paragraph(title, style["title"]), Paragraph(f"申报单位：{unit_name}　共 {len(rows)} 人", style["body"]),
               Spacer(1, 4 * mm), table])
    return buffer.getvalue()
