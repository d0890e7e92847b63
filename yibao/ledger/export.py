"""台账 as an Excel workbook (openpyxl)."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from yibao.ledger.selectors import LedgerRow

# (header, attribute, kind) — kind "int", "rate" or "text"
COLUMNS: list[tuple[str, str, str]] = [
    ("经办机构", "agency_name", "text"),
    ("机构代码", "agency_code", "text"),
    ("事项编码", "item_code", "text"),
    ("事项名称", "item_name", "text"),
    ("申请件数", "submitted", "int"),
    ("受理件数", "accepted", "int"),
    ("不予受理", "refused", "int"),
    ("撤回", "withdrawn", "int"),
    ("办结件数", "completed", "int"),
    ("按时办结", "completed_on_time", "int"),
    ("超期件数", "overdue", "int"),
    ("按时办结率", "on_time_rate", "rate"),
    ("通办受理", "tongban_accepted", "int"),
    ("通办转入", "tongban_in", "int"),
    ("评价数", "evaluations", "int"),
    ("满意率", "satisfaction_rate", "rate"),
    ("差评率", "bad_review_rate", "rate"),
]
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 1, 2, 3
PERCENT_FORMAT = "0.00%"
WIDTHS = {"agency_name": 26, "item_name": 34, "item_code": 14}


def ledger_workbook(rows: list[LedgerRow], *, start: date, end: date, scope_label: str,
                    generated_at: datetime) -> bytes:
    """One sheet: a title row (scope, period, generation time), a frozen Chinese header, a row per
    (agency, item), the total last; rates are numbers formatted as percentages (empty when undefined)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.cell(row=TITLE_ROW, column=1,
            value=f"医保经办服务台账（{scope_label}） 统计期间：{start:%Y-%m-%d} 至 {end:%Y-%m-%d}"
                  f"  生成时间：{generated_at:%Y-%m-%d %H:%M}")
    ws.cell(row=TITLE_ROW, column=1).font = Font(bold=True, size=13)
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=len(COLUMNS))
    header_fill = PatternFill("solid", fgColor="EEF3F8")
    for col, (header, attr, _kind) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = WIDTHS.get(attr, 11)
    for r, row in enumerate(rows, start=FIRST_DATA_ROW):
        for col, (_header, attr, kind) in enumerate(COLUMNS, start=1):
            value = getattr(row, attr)
            if kind == "rate":
                cell = ws.cell(row=r, column=col, value=float(value) if value is not None else None)
                cell.number_format = PERCENT_FORMAT
            else:
                cell = ws.cell(row=r, column=col, value=value)
            if row.is_total:
                cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=1)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
