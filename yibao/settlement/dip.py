"""Year-end DIP (按病种分值付费) and the return of the withheld deposits.

DIP (BENEFITS.md §4): a group's 分值 = the group's average cost ÷ the average cost of all
cases; 结算点值 = (fund available for DIP ÷ reimbursement ratio) ÷ Σ(分值 × cases); an
institution's year-end amount = its Σ(分值 × cases) × 结算点值 × ratio. 职工 and 居民 keep
separate point values (call once per pool). The amounts add up to the fund available to the
fen: each is rounded and the residual goes to the last institution (the Xuzhou lesson).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from yibao.settlement.errors import InvalidDeclaration

CENT = Decimal("0.01")
POINT = Decimal("0.000001")


@dataclass(frozen=True)
class Case:
    institution_code: str
    group: str  # 病种组合 (diagnosis + procedure group)
    cost: Decimal


@dataclass
class DipResult:
    scores: dict[str, Decimal]  # group → 分值
    total_points: Decimal
    point_value: Decimal  # 结算点值 (yuan per point, before the ratio)
    amounts: dict[str, Decimal]  # institution → year-end fund amount


def dip_year_end(*, cases: list[Case], fund_available: Decimal, ratio: Decimal) -> DipResult:
    """The year-end DIP amounts of one pool (职工 or 居民) from the year's cases."""
    if not cases:
        raise InvalidDeclaration("没有病例，不能计算 DIP 点值")
    groups: dict[str, tuple[Decimal, int]] = {}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for case in cases:
        total, n = groups.get(case.group, (Decimal("0"), 0))
        groups[case.group] = (total + case.cost, n + 1)
        counts[(case.institution_code, case.group)] += 1
    return dip_from_totals(groups=groups, counts=dict(counts), fund_available=fund_available, ratio=ratio)


def dip_from_totals(*, groups: dict[str, tuple[Decimal, int]], counts: dict[tuple[str, str], int],
                    fund_available: Decimal, ratio: Decimal) -> DipResult:
    """The same from what SQL sums up: per 病种组合 its total cost and cases; per (institution,
    group) its cases. A city's year is millions of cases: the database groups, Python divides."""
    if not groups or not counts:
        raise InvalidDeclaration("没有病例，不能计算 DIP 点值")
    if not (Decimal("0") < ratio <= Decimal("1")):
        raise InvalidDeclaration("字段 报销比例：须大于 0 且不超过 1", field="ratio")
    if fund_available <= 0:
        raise InvalidDeclaration("字段 可用于 DIP 的基金：须大于 0", field="fund_available")
    all_cost = sum((total for total, _n in groups.values()), Decimal("0"))
    all_cases = sum(n for _total, n in groups.values())
    overall = all_cost / all_cases
    scores = {group: (total / n / overall).quantize(POINT, rounding=ROUND_HALF_UP)
              for group, (total, n) in groups.items()}
    points: dict[str, Decimal] = defaultdict(Decimal)
    for (institution, group), n in counts.items():
        points[institution] += scores[group] * n
    total_points = sum(points.values(), Decimal("0"))
    point_value = fund_available / ratio / total_points
    codes = sorted(points)
    amounts = {code: (points[code] * point_value * ratio).quantize(CENT, rounding=ROUND_HALF_UP)
               for code in codes[:-1]}
    amounts[codes[-1]] = fund_available.quantize(CENT) - sum(amounts.values(), Decimal("0"))
    return DipResult(scores=scores, total_points=total_points,
                     point_value=point_value.quantize(POINT, rounding=ROUND_HALF_UP), amounts=amounts)
