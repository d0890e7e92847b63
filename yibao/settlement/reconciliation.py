"""对账 input: the institution's own daily totals per fund, pasted from its HIS as ``日期,基金,金额`` lines.

The comparison itself is ``services.reconcile``; this module only reads what was typed, naming the
line of every bad value, so a page can show them all at once.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from yibao.settlement.errors import InvalidDeclaration
from yibao.settlement.models import FUND_COLUMNS

MAX_LINES = 31 * len(FUND_COLUMNS)
MAX_AMOUNT = Decimal("999999999.99")
_SPLIT = re.compile(r"[\t,，]")


def parse_daily_totals(text: str, *, month: datetime.date) -> dict[tuple[datetime.date, str], Decimal]:
    """``日期,基金编码,金额`` per line → {(day, fund): amount}; every bad line is named, nothing half-read.

    Days must fall in the declaration's ``month``; a day and fund given twice is refused rather than
    summed (a copy-paste slip would otherwise hide a real difference).
    """
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise InvalidDeclaration("字段 本机构日汇总：请每行填写 日期,基金编码,金额", field="totals")
    if len(lines) > MAX_LINES:
        raise InvalidDeclaration(f"字段 本机构日汇总：至多 {MAX_LINES} 行，本次 {len(lines)} 行", field="totals")
    totals: dict[tuple[datetime.date, str], Decimal] = {}
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        cells = [cell.strip() for cell in _SPLIT.split(line)]
        if len(cells) != 3:
            problems.append(f"第 {number} 行：应为 日期,基金编码,金额 三项")
            continue
        raw_day, fund, raw_amount = cells
        try:
            day = datetime.date.fromisoformat(raw_day)
        except ValueError:
            problems.append(f"第 {number} 行 日期：「{raw_day[:20]}」应为 YYYY-MM-DD")
            continue
        if (day.year, day.month) != (month.year, month.month):
            problems.append(f"第 {number} 行 日期：{day:%Y-%m-%d} 不在结算月份 {month:%Y-%m} 内")
            continue
        if fund not in FUND_COLUMNS:
            problems.append(f"第 {number} 行 基金编码：「{fund[:20]}」应为 {'、'.join(FUND_COLUMNS)} 之一")
            continue
        try:
            amount = Decimal(raw_amount)
        except InvalidOperation:
            problems.append(f"第 {number} 行 金额：「{raw_amount[:20]}」不是金额")
            continue
        if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT or amount.as_tuple().exponent < -2:
            problems.append(f"第 {number} 行 金额：须为 0 至 {MAX_AMOUNT} 元，最多两位小数")
            continue
        if (day, fund) in totals:
            problems.append(f"第 {number} 行：{day:%Y-%m-%d} 基金 {fund} 重复填写")
            continue
        totals[(day, fund)] = amount
    if problems:
        raise InvalidDeclaration("本机构日汇总有误：" + "；".join(problems[:20])
                                 + (f"；另有 {len(problems) - 20} 处" if len(problems) > 20 else ""),
                                 field="totals")
    return totals
