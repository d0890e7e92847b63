"""Pure computations of the maternity benefits: leave days, the unit's average wage, amounts.

Each returns the amount and the lines that explain it (label, value), which the decision
shows (``describe``) and stores; a line that used a demo or to-confirm value says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from yibao.maternity import parameters
from yibao.maternity.parameters import Value

FEN = Decimal("0.01")


def fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def number(v: Value) -> Decimal:
    """A numeric parameter's value (a text value where a number is read is a data error)."""
    if not isinstance(v.value, Decimal):
        raise parameters.ParameterMissing(f"生育保险参数「{v.label}」应为数字")
    return v.value


@dataclass
class Assessment:
    amount: Decimal = Decimal("0.00")
    lines: list[tuple[str, str]] = field(default_factory=list)
    notes: set[str] = field(default_factory=set)
    leave_days: int | None = None
    average_wage: Decimal | None = None

    def use(self, v: Value, shown: str = "") -> Value:
        """Show a parameter's value with its effective date and source note."""
        note = v.note
        if v.demo or v.to_confirm:
            self.notes.add(note)
        suffix = f"（{v.effective:%Y-%m-%d}起；{note}）" if note else f"（{v.effective:%Y-%m-%d}起）"
        self.lines.append((v.label, f"{shown or v.value}{suffix}"))
        return v


@dataclass(frozen=True)
class BirthFacts:
    event: str  # 分娩 / 流产
    birth_date: date
    difficult: bool = False  # 难产
    babies: int = 1
    pregnancy_months: int | None = None  # 流产 only


def leave_days(facts: BirthFacts, *, region: str, out: Assessment) -> int:
    """Maternity leave days from the birth facts (女职工劳动保护特别规定 第七条, Shanxi's extension)."""
    day = facts.birth_date
    if facts.event == "流产":
        months = facts.pregnancy_months or 0
        name = "leave_days_miscarriage_early" if months < 4 else "leave_days_miscarriage_late"
        v = out.use(parameters.value(name, day, region=region))
        out.lines.append(("产假天数计算", f"流产（怀孕 {months} 个月）：{int(number(v))} 天"))
        return int(number(v))
    base = out.use(parameters.value("leave_days_birth", day, region=region))
    days = int(number(base))
    parts = [f"{days}"]
    if facts.difficult:
        extra = out.use(parameters.value("leave_days_difficult", day, region=region))
        days += int(number(extra))
        parts.append(f"难产 {int(number(extra))}")
    if facts.babies > 1:
        each = out.use(parameters.value("leave_days_extra_baby", day, region=region))
        days += int(number(each)) * (facts.babies - 1)
        parts.append(f"多胞胎 {int(number(each))}×{facts.babies - 1}")
    try:
        extension = out.use(parameters.value("leave_days_province_extension", day, region=region))
    except parameters.ParameterMissing:
        extension = None
    if extension is not None:
        days += int(number(extension))
        parts.append(f"山西省延长 {int(number(extension))}")
    out.lines.append(("产假天数计算", " + ".join(parts) + f" = {days} 天"))
    return days


@dataclass(frozen=True)
class WageBasis:
    """The unit's contribution bases of the previous year: Σ bases over person-months."""

    unit_name: str
    year: int
    total_base: Decimal
    person_months: int


def allowance(facts: BirthFacts, basis: WageBasis, *, region: str) -> Assessment:
    """生育津贴 = the unit's previous-year average monthly wage ÷ divisor × leave days."""
    out = Assessment()
    average = fen(basis.total_base / basis.person_months)
    out.average_wage = average
    out.lines.append(("单位上年度职工月平均工资",
                      f"{basis.unit_name} {basis.year} 年缴费基数合计 {fen(basis.total_base)} 元 ÷ "
                      f"{basis.person_months} 人月 = {average} 元"))
    days = leave_days(facts, region=region, out=out)
    out.leave_days = days
    divisor = out.use(parameters.value("allowance_divisor", facts.birth_date, region=region))
    amount = fen(average / number(divisor) * days)
    out.lines.append(("生育津贴", f"{average} 元 ÷ {divisor.value} × {days} 天 = {amount} 元"))
    out.amount = amount
    return out


def delivery(*, region: str, day: date, event: str, delivery_type: str, in_policy_cost: Decimal) -> Assessment:
    """生育医疗费: a 定额 per delivery type, or the actual in-policy cost within a cap, per the region."""
    out = Assessment()
    mode = out.use(parameters.value("delivery_mode", day, region=region))
    if mode.value == "定额":
        name = ("delivery_amount_miscarriage" if event == "流产" else
                "delivery_amount_caesarean" if delivery_type == "剖宫产" else "delivery_amount_normal")
        v = out.use(parameters.value(name, day, region=region))
        out.amount = fen(number(v))
        out.lines.append(("生育医疗费", f"按定额支付 {out.amount} 元"))
        return out
    cap = out.use(parameters.value("delivery_cap", day, region=region))
    out.amount = fen(min(in_policy_cost, number(cap)))
    out.lines.append(("生育医疗费", f"据实结算：政策范围内费用 {fen(in_policy_cost)} 元，限额 {fen(number(cap))} 元，"
                                   f"支付 {out.amount} 元"))
    return out


def capped(*, region: str, day: date, name: str, cost: Decimal, title: str) -> Assessment:
    """产前检查费 / 计划生育医疗费: the in-policy cost within the region's amount."""
    out = Assessment()
    cap = out.use(parameters.value(name, day, region=region))
    out.amount = fen(min(cost, number(cap)))
    out.lines.append((title, f"政策范围内费用 {fen(cost)} 元，限额 {fen(number(cap))} 元，支付 {out.amount} 元"))
    return out
