"""The 费用明细清单 upload: an Excel workbook of itemized lines → ``calculator.Line`` objects.

Layout (first sheet, header in row 1, one line per row from row 2; template: ``template_xlsx``):

    项目编码 | 项目名称 | 等级（甲/乙/丙） | 单价 | 数量 | 金额 | 限价（可空） | 先行自付比例（可空，如 0.1）

The workbook passes ``yibao.workbooks.check_workbook`` before any reader opens it. Every bad
row is reported with its row number in one ``LinesRefused`` (nothing is half-read). Shared by
the 试算 page and, if it wishes, the reimbursement claim's line upload.
"""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

from python_calamine import CalamineWorkbook

from yibao.errors import Invalid
from yibao.rules.calculator import Line, fen
from yibao.workbooks import WorkbookCaps, WorkbookRefused, check_workbook

HEADERS = ("项目编码", "项目名称", "等级", "单价", "数量", "金额", "限价", "先行自付比例")
MAX_LINES = 2000
CAPS = WorkbookCaps(label="费用明细清单", max_rows=MAX_LINES + 1, max_columns=20, max_bytes=2 * 1024 * 1024)
MAX_AMOUNT = Decimal("99999999.99")
GRADES = {"甲": "甲", "甲类": "甲", "乙": "乙", "乙类": "乙", "丙": "丙", "丙类": "丙", "自费": "丙", "目录外": "丙"}


class LinesRefused(Invalid):
    code = "rules.lines_refused"

    def __init__(self, problems: list[str]):
        shown = problems[:20]
        more = f"；另有 {len(problems) - 20} 处问题未列出" if len(problems) > 20 else ""
        super().__init__("费用明细清单有误：" + "；".join(shown) + more, field="file")
        self.problems = problems


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value, *, row: int, label: str, problems: list[str], optional: bool = False) -> Decimal | None:
    text = _text(value)
    if not text:
        if not optional:
            problems.append(f"第 {row} 行：{label}不能为空")
        return None
    try:
        number = Decimal(str(value)) if not isinstance(value, str) else Decimal(text)
    except (InvalidOperation, ValueError):
        problems.append(f"第 {row} 行：{label}“{text[:20]}”不是数字")
        return None
    if not number.is_finite() or number < 0 or number > MAX_AMOUNT:
        problems.append(f"第 {row} 行：{label}须为 0 到 {MAX_AMOUNT} 之间的数字")
        return None
    return number


def parse_lines(content: bytes) -> list[Line]:
    """Read the 明细 workbook; ``LinesRefused`` lists every bad row, ``WorkbookRefused`` a bad file."""
    try:
        check_workbook(content, CAPS)
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
    except WorkbookRefused as exc:
        raise LinesRefused([str(exc)]) from exc
    except Exception as exc:  # calamine raises its own types for anything that is not a workbook
        raise LinesRefused(["无法读取，请上传 Excel（.xlsx）文件，可先下载模板"]) from exc
    rows = sheet.iter_rows()
    header = [_text(v) for v in next(rows, [])]
    if tuple(header[:6]) != HEADERS[:6]:
        raise LinesRefused([f"第 1 行须为表头：{' | '.join(HEADERS)}（请使用模板）"])
    lines: list[Line] = []
    problems: list[str] = []
    for number, raw in enumerate(rows, start=2):
        cells = list(raw) + [None] * (8 - len(raw))
        if not any(_text(c) for c in cells[:8]):
            continue
        code, name, grade_text = _text(cells[0])[:50], _text(cells[1])[:100], _text(cells[2])
        before = len(problems)
        if not name:
            problems.append(f"第 {number} 行：项目名称不能为空")
        grade = GRADES.get(grade_text)
        if grade is None:
            problems.append(f"第 {number} 行：等级须为 甲、乙 或 丙")
        price = _number(cells[3], row=number, label="单价", problems=problems)
        qty = _number(cells[4], row=number, label="数量", problems=problems)
        amount = _number(cells[5], row=number, label="金额", problems=problems)
        ceiling = _number(cells[6], row=number, label="限价", problems=problems, optional=True)
        ratio = _number(cells[7], row=number, label="先行自付比例", problems=problems, optional=True)
        if ratio is not None and ratio > 1:
            problems.append(f"第 {number} 行：先行自付比例须在 0 到 1 之间（如 0.1）")
        if amount is not None and amount != fen(amount):
            problems.append(f"第 {number} 行：金额须精确到分")
        if len(problems) == before and price is not None and qty is not None and amount is not None:
            if abs(fen(price * qty) - amount) > Decimal("0.01") * max(Decimal(1), qty):
                problems.append(f"第 {number} 行：金额 {_text(cells[5])} 与 单价 × 数量（{fen(price * qty)}）不符")
        if len(problems) == before:
            lines.append(Line(code=code, name=name, grade=grade, unit_price=price, quantity=qty,  # type: ignore[arg-type]
                              amount=amount, price_ceiling=ceiling, self_pay_ratio=ratio))  # type: ignore[arg-type]
    if problems:
        raise LinesRefused(problems)
    if not lines:
        raise LinesRefused(["没有费用明细行"])
    return lines


def template_xlsx() -> bytes:
    """The empty template with its header and one example row."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "费用明细清单"
    sheet.append(list(HEADERS))
    sheet.append(["250101001", "普通床位费（示例行，请删除）", "甲", 40, 5, 200, None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
