"""The bureau's fund outflows to designated institutions as an Excel workbook (by fund, month, institution)."""

from __future__ import annotations

import datetime
from io import BytesIO

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font

from yibao.payments.models import Fund
from yibao.settlement.models import FUND_POOL

HEADERS = ["结算月份", "基金编码", "基金名称", "基金类别", "定点机构编码", "定点机构名称",
           "申报金额", "审核扣款", "审核通过", "预留质量保证金", "应拨付"]
MONEY = "#,##0.00"


def outflows_workbook(rows: list[dict], *, month_from: datetime.date, month_to: datetime.date, scope_label: str,
                      on_time: dict) -> bytes:
    """Sheet 基金支出 (one row per month, fund and institution, a total row) and 按基金汇总 with a bar chart."""
    book = Workbook()
    sheet = book.active
    sheet.title = "基金支出"
    sheet.append([f"定点医药机构费用结算 基金支出台账 {scope_label} {month_from:%Y-%m} 至 {month_to:%Y-%m}"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(HEADERS)
    names = dict(Fund.choices)
    totals = [0] * 5
    by_fund: dict[str, list] = {}
    for row in rows:
        amounts = [row["declared"], row["deducted"], row["approved"], row["withheld"], row["payable"]]
        sheet.append([f"{row['declaration__month']:%Y-%m}", row["fund"], names.get(row["fund"], ""),
                      FUND_POOL.get(row["fund"], ""), row["declaration__institution_code"],
                      row["declaration__institution_name"], *amounts])
        totals = [a + b for a, b in zip(totals, amounts, strict=True)]
        fund_total = by_fund.setdefault(row["fund"], [0, 0])
        fund_total[0] += row["payable"]
        fund_total[1] += row["withheld"]
    sheet.append(["合计", "", "", "", "", "", *totals])
    for cells in sheet.iter_rows(min_row=3, min_col=7, max_col=11):
        for cell in cells:
            cell.number_format = MONEY
    sheet.append([])
    sheet.append([f"已拨付月度结算 {on_time.get('paid', 0)} 笔，其中申报后 30 个工作日内拨付 {on_time.get('on_time', 0)} 笔"])
    summary = book.create_sheet("按基金汇总")
    summary.append(["基金", "应拨付", "预留质量保证金"])
    for fund, (payable, withheld) in sorted(by_fund.items()):
        summary.append([f"{fund} {names.get(fund, '')}", payable, withheld])
    if by_fund:
        chart = BarChart()
        chart.title = "各基金应拨付"
        data = Reference(summary, min_col=2, min_row=1, max_row=len(by_fund) + 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(summary, min_col=1, min_row=2, max_row=len(by_fund) + 1))
        summary.add_chart(chart, "E2")
    out = BytesIO()
    book.save(out)
    return out.getvalue()
