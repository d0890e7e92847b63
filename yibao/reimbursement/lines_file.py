"""The 费用明细清单 upload of a claim: the rules domain's workbook reader (``yibao.rules.lines_upload``:
its layout, template, ``yibao.workbooks`` guard and row-numbered report of every bad row),
turned into the claim's line fields. Layout and template are documented in docs/reimbursement.md.
"""

from __future__ import annotations

from yibao.reimbursement.fields import MAX_LINES
from yibao.rules.lines_upload import LinesRefused, parse_lines, template_xlsx

__all__ = ["LinesRefused", "lines_from_workbook", "template_xlsx"]


def lines_from_workbook(content: bytes) -> list[dict]:
    """The workbook's lines as ``ClaimLineIn`` data (``row`` numbered in sheet order), or
    ``LinesRefused`` listing every bad row by its number."""
    lines = parse_lines(content)
    if len(lines) > MAX_LINES:
        raise LinesRefused([f"一次报销至多 {MAX_LINES} 行明细，本文件有 {len(lines)} 行，请按票据分次申报"])
    rows = []
    for number, line in enumerate(lines, start=1):
        row = {"row": number, "item_code": line.code, "item_name": line.name, "grade": line.grade,
               "unit_price": str(line.unit_price), "quantity": str(line.quantity)}
        if line.price_ceiling is not None:
            row["price_ceiling"] = str(line.price_ceiling)
        if line.self_pay_ratio is not None and line.grade == "乙":
            row["self_pay_ratio"] = str(line.self_pay_ratio)
        rows.append(row)
    return rows
