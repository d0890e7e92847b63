"""The settlement calculator: one care episode and its itemized lines → the national 结算信息.

This module is the contract other domains import (reimbursement, maternity, medical aid): the
frozen dataclasses ``Episode``, ``Line``, ``Usage``, ``Step``, ``Settlement`` and the pure function
``settle(episode, lines, *, usage, rules=None)``. It reads no database: "this year so far" comes
in as ``usage`` (read it from the locked ledger row, see ``yibao.rules.services``), and the
parameters come from ``rules`` (default: the region's file plus the console overlay).

Order (docs/rules.md, ../shared/BENEFITS.md §3): per line 全自费 / 超限价 / 先行自付 → 政策范围内;
then 起付线 (what remains of the year's deductible), 统筹 (× ratio, lowered for referral / off-site,
capped by what remains of the year's limit), 大病/大额 (marginal scale over the year's accumulated
in-policy personal burden), 医疗救助 (share of what the person still bears, within the yearly cap),
the rest the person's: 个人账户 first where allowed, then cash. Money is Decimal to the fen,
ROUND_HALF_UP; 个人负担总金额 is computed as 总额 − 基金支付总额 so the identity holds exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from yibao.errors import Invalid, Refused
from yibao.rules.parameters import DEMO_NOTE, ParameterMissing, RuleBook, Value

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

INSURANCE_TYPES = {"310": "职工基本医疗保险", "390": "城乡居民基本医疗保险"}
PERSON_CATEGORIES = ("在职", "退休", "居民")
HOSPITAL_LEVELS = ("一级", "二级", "三级")
GRADES = ("甲", "乙", "丙")
# 2-digit national 医疗类别 parents this calculator settles (BENEFITS §2).
MED_TYPES = {
    "11": "普通门诊", "12": "门诊挂号", "13": "急诊", "14": "门诊慢特病", "16": "中医特色门诊",
    "21": "普通住院", "22": "外伤住院", "23": "转外诊治住院", "24": "急诊转住院", "26": "单病种住院",
    "28": "日间手术", "41": "定点药店购药", "51": "生育门诊", "52": "生育住院",
}
INPATIENT_PARENTS = {"21", "22", "23", "24", "26", "28", "52"}
AID_CATEGORIES = ("特困人员", "低保对象", "低保边缘", "因病致贫")
# National fund-payment type codes of each fund share (BENEFITS §2).
FUND_PAY_TYPES = {
    ("pooled", "310"): "310100", ("pooled", "390"): "390100",
    ("serious", "310"): "330100", ("serious", "390"): "390200",
    ("aid", "310"): "610100", ("aid", "390"): "610100",
}


def fen(amount: Decimal) -> Decimal:
    """Round to the fen, half up (the platform's one rounding rule for money)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


class SettlementRefused(Refused):
    code = "rules.refused"


class EpisodeInvalid(Invalid):
    code = "rules.invalid"


@dataclass(frozen=True)
class Episode:
    """One care episode (就医) to be settled."""

    region: str  # 统筹区 slug: taiyuan / changzhi / jincheng
    insurance_type: str  # 险种: "310" 职工 / "390" 居民
    person_category: str  # 人员类别: 在职 / 退休 / 居民
    med_type: str  # 医疗类别 national code, e.g. "21" or a provincial child "140104"
    hospital_level: str  # 医院等级: 一级 / 二级 / 三级
    care_date: date  # parameters are read as of this day (admission day for 住院)
    offsite: bool = False  # care outside the 统筹区
    filing_in_force: bool = False  # an off-site filing covered the care day (offsite.selectors)
    emergency: bool = False  # 急诊/抢救 (医保发〔2022〕22号 treats it like a referral)
    referral: bool = True  # 《转诊转院审批表》 present (Jincheng deducts without it)
    aid_category: str | None = None  # 医疗救助 category, None if not an aid recipient
    personal_account_balance: Decimal = ZERO  # 职工个人账户 balance usable for this claim

    @property
    def med_parent(self) -> str:
        return self.med_type[:2]

    @property
    def inpatient(self) -> bool:
        return self.med_parent in INPATIENT_PARENTS


@dataclass(frozen=True)
class Line:
    """One line of the 费用明细清单."""

    code: str  # 收费项目编码
    name: str  # 收费项目名称
    grade: str  # 甲 / 乙 / 丙 (丙 also for 目录外)
    unit_price: Decimal
    quantity: Decimal
    amount: Decimal  # 金额 as billed (authoritative; unit_price × quantity is only checked)
    price_ceiling: Decimal | None = None  # 限价 per unit, where one applies
    self_pay_ratio: Decimal | None = None  # 乙类先行自付比例; None → the region's parameter


@dataclass(frozen=True)
class Usage:
    """A person's year so far, for one 险种 (from the ledger; all zero for the first claim)."""

    deductible_used: Decimal = ZERO  # 起付线 already paid this year
    fund_paid: Decimal = ZERO  # 统筹基金 paid this year (against 最高支付限额)
    serious_illness_accumulated: Decimal = ZERO  # 政策范围内个人负担 accumulated (大病/大额 base)
    serious_illness_paid: Decimal = ZERO  # 大病保险/大额补助 paid this year (against its limit)
    aid_paid: Decimal = ZERO  # 医疗救助 paid this year (against the aid cap)

    def plus(self, other: Usage) -> Usage:
        return Usage(*(getattr(self, f) + getattr(other, f) for f in USAGE_FIELDS))


USAGE_FIELDS = ("deductible_used", "fund_paid", "serious_illness_accumulated", "serious_illness_paid",
                "aid_paid")


@dataclass(frozen=True)
class Step:
    """One line of the explanation: what was computed, from which parameter and source."""

    label: str  # e.g. "起付线"
    amount: Decimal  # the money this step produced
    parameter: str = ""  # parameter name, e.g. "deductible"
    value: str = ""  # the parameter's value as shown (e.g. "900.00" or "85%")
    effective: date | None = None  # the value's 施行日期
    reference: str = ""  # legal reference (文号 条款 标题), empty for a demo value
    demo: bool = False  # the value is a demo value (示例参数，须按本地现行文件核定)
    detail: str = ""  # how the amount was obtained, in Chinese


@dataclass(frozen=True)
class Settlement:
    """The national settlement fields (BENEFITS §3) and how they were obtained."""

    total: Decimal  # 医疗费总额
    fully_self_paid: Decimal  # 全自费金额 (丙类/目录外)
    over_ceiling: Decimal  # 超限价自费
    first_self_paid: Decimal  # 先行自付金额 (乙类 × 自付比例)
    in_policy: Decimal  # 符合政策范围金额
    deductible: Decimal  # 实际支付起付线
    pooled_fund: Decimal  # 统筹基金支出
    pooled_ratio: Decimal  # the ratio applied (after lowering)
    serious_illness: Decimal  # 大病保险 (390) / 大额补助 (310)
    medical_aid: Decimal  # 医疗救助
    fund_total: Decimal  # 基金支付总额
    personal_total: Decimal  # 个人负担总金额
    personal_account: Decimal  # 个人账户支出
    cash: Decimal  # 个人现金支出
    steps: tuple[Step, ...]
    uses_demo_values: bool
    usage_delta: Usage  # what this settlement adds to the person's year (record it in the ledger)
    fund_pay_types: dict[str, str] = field(default_factory=dict)  # share → national 基金支付类型

    @property
    def demo_note(self) -> str:
        return DEMO_NOTE if self.uses_demo_values else ""


def rules_for(region: str) -> RuleBook:
    """The region's parameters: file values plus the administrators' dated values."""
    from yibao.rules.selectors import current_rulebook  # DB read; kept out of the pure path

    return current_rulebook(region)


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


class _Explainer:
    def __init__(self, rules: RuleBook, episode: Episode):
        self.rules = rules
        self.episode = episode
        self.steps: list[Step] = []
        self.demo = False

    def get(self, name: str, **index: str | None) -> Value:
        try:
            return self.rules.lookup(name, self.episode.care_date, **index)
        except ParameterMissing as exc:
            raise SettlementRefused(f"{self.episode.care_date} 的政策参数缺失，无法计算：{exc}",
                                    code="rules.parameter_missing") from exc

    def step(self, label: str, amount: Decimal, name: str = "", value: Value | None = None, shown: str = "",
             detail: str = "") -> None:
        if value is not None and value.demo:
            self.demo = True
        self.steps.append(Step(
            label=label, amount=amount, parameter=name, value=shown,
            effective=value.effective if value else None,
            reference=str(value.reference) if value else "",
            demo=bool(value and value.demo), detail=detail,
        ))


def _scale_amount(brackets, base: Decimal) -> Decimal:
    """Marginal scale: each bracket's rate applies to the part of ``base`` above its threshold."""
    total = Decimal(0)
    for i, b in enumerate(brackets):
        upper = brackets[i + 1].threshold if i + 1 < len(brackets) else None
        if base <= b.threshold:
            break
        part = (min(base, upper) if upper is not None else base) - b.threshold
        total += part * b.rate
    return total


def _check(episode: Episode, lines: list[Line] | tuple[Line, ...]) -> None:
    if episode.insurance_type not in INSURANCE_TYPES:
        raise EpisodeInvalid("险种须为 310（职工）或 390（居民）", field="insurance_type")
    if episode.person_category not in PERSON_CATEGORIES:
        raise EpisodeInvalid("人员类别须为 在职、退休 或 居民", field="person_category")
    if (episode.insurance_type == "390") != (episode.person_category == "居民"):
        raise EpisodeInvalid("人员类别与险种不符：居民医保的人员类别为“居民”", field="person_category")
    if episode.med_parent not in MED_TYPES:
        raise EpisodeInvalid(f"医疗类别 {episode.med_type} 不认识", field="med_type")
    if episode.hospital_level not in HOSPITAL_LEVELS:
        raise EpisodeInvalid("医院等级须为 一级、二级 或 三级", field="hospital_level")
    if episode.aid_category is not None and episode.aid_category not in AID_CATEGORIES:
        raise EpisodeInvalid(f"救助类别 {episode.aid_category} 不认识", field="aid_category")
    if episode.personal_account_balance < 0:
        raise EpisodeInvalid("个人账户余额不能为负", field="personal_account_balance")
    if not lines:
        raise EpisodeInvalid("没有费用明细", field="lines")
    for n, line in enumerate(lines, start=1):
        if line.grade not in GRADES:
            raise EpisodeInvalid(f"第 {n} 行：收费项目等级须为 甲、乙 或 丙", field="lines")
        if line.amount < 0 or line.quantity < 0 or line.unit_price < 0:
            raise EpisodeInvalid(f"第 {n} 行：金额、数量、单价不能为负", field="lines")
        if line.amount != fen(line.amount):
            raise EpisodeInvalid(f"第 {n} 行：金额须精确到分", field="lines")
        if line.price_ceiling is not None and line.price_ceiling < 0:
            raise EpisodeInvalid(f"第 {n} 行：限价不能为负", field="lines")
        if line.self_pay_ratio is not None and not (0 <= line.self_pay_ratio <= 1):
            raise EpisodeInvalid(f"第 {n} 行：自付比例须在 0 到 1 之间", field="lines")


def settle(episode: Episode, lines: list[Line] | tuple[Line, ...], *, usage: Usage,
           rules: RuleBook | None = None) -> Settlement:
    """Settle one episode against the person's year so far (``usage``); pure, no DB writes.

    Raises ``EpisodeInvalid`` for malformed input and ``SettlementRefused`` when a parameter the
    calculation needs has no value on the care date. The caller records ``usage_delta`` in the
    ledger (``yibao.rules.services.record_usage``) inside the payment's transaction, after having
    read ``usage`` from the same locked row.
    """
    _check(episode, lines)
    rules = rules if rules is not None else rules_for(episode.region)
    ex = _Explainer(rules, episode)
    ins, level, cat, med = episode.insurance_type, episode.hospital_level, episode.person_category, episode.med_parent

    # 1. Lines: 全自费, 超限价, 先行自付 → 政策范围内.
    total = fully = over = first = ZERO
    default_b = None
    for line in lines:
        total += line.amount
        if line.grade == "丙":
            fully += line.amount
            continue
        rest = line.amount
        if line.price_ceiling is not None:
            allowed = fen(line.price_ceiling * line.quantity)
            if rest > allowed:
                over += rest - allowed
                rest = allowed
        if line.grade == "乙":
            ratio = line.self_pay_ratio
            if ratio is None:
                if default_b is None:
                    default_b = ex.get("class_b_self_pay_ratio", insurance_type=ins)
                ratio = default_b.value  # type: ignore[assignment]
            first += fen(rest * ratio)  # type: ignore[operator]
    in_policy = total - fully - over - first
    ex.step("医疗费总额", total, detail=f"{len(lines)} 行明细合计")
    ex.step("全自费金额", fully, detail="丙类及目录外项目")
    ex.step("超限价自费", over, detail="超过限价（单价限价 × 数量）的部分")
    if default_b is not None:
        ex.step("先行自付金额", first, "class_b_self_pay_ratio", default_b, _pct(default_b.value),  # type: ignore[arg-type]
                detail="乙类项目 × 先行自付比例（明细行写明比例的按明细）")
    else:
        ex.step("先行自付金额", first, detail="乙类项目 × 明细行写明的先行自付比例")
    ex.step("符合政策范围金额", in_policy, detail="总额 − 全自费 − 超限价 − 先行自付")

    # 2. 起付线: what remains of this year's deductible.
    d = ex.get("deductible", insurance_type=ins, med_type=med, hospital_level=level, person_category=cat)
    remaining = max(ZERO, fen(d.value) - usage.deductible_used)  # type: ignore[arg-type]
    deductible = min(in_policy, remaining)
    ex.step("实际支付起付线", deductible, "deductible", d, f"{fen(d.value)} 元",  # type: ignore[arg-type]
            detail=f"本年度已付起付线 {usage.deductible_used} 元，尚余 {remaining} 元")

    # 3. 统筹: ratio, lowered for referral / off-site, capped by the year's limit.
    r = ex.get("pooled_ratio", insurance_type=ins, med_type=med, hospital_level=level, person_category=cat)
    base_ratio: Decimal = r.value  # type: ignore[assignment]
    ex.step("统筹支付比例", ZERO, "pooled_ratio", r, _pct(base_ratio), detail="按险种、医疗类别、医院等级、人员类别")
    lowering = _lowering(ex, episode, base_ratio)
    ratio = max(Decimal(0), base_ratio - lowering)
    pooled = fen((in_policy - deductible) * ratio)
    limit = ex.get("annual_limit", insurance_type=ins, person_category=cat)
    room = max(ZERO, fen(limit.value) - usage.fund_paid)  # type: ignore[arg-type]
    capped = pooled > room
    pooled = min(pooled, room)
    ex.step("统筹基金支出", pooled, "annual_limit", limit, f"{fen(limit.value)} 元",  # type: ignore[arg-type]
            detail=(f"（{in_policy} − {deductible}）× {_pct(ratio)}"
                    + (f"，受年度最高支付限额所限（本年度已付 {usage.fund_paid} 元）" if capped else "")))

    # 4. 大病保险 / 大额补助: marginal scale over the accumulated in-policy personal burden.
    burden = in_policy - pooled
    s = ex.get("serious_illness_scale", insurance_type=ins)
    before = usage.serious_illness_accumulated
    serious = fen(_scale_amount(s.value, before + burden)) - fen(_scale_amount(s.value, before))  # type: ignore[arg-type]
    serious = max(ZERO, serious)
    sl = ex.get("serious_illness_limit", insurance_type=ins)
    serious = min(serious, max(ZERO, fen(sl.value) - usage.serious_illness_paid))  # type: ignore[arg-type]
    brackets = "；".join(f"{b.threshold} 元以上 {_pct(b.rate)}" for b in s.value)  # type: ignore[union-attr]
    ex.step("大额医疗费用补助" if ins == "310" else "大病保险", serious, "serious_illness_scale", s, brackets,
            detail=f"政策范围内个人负担本次 {burden} 元，本年度累计由 {before} 元到 {before + burden} 元，分段累进")
    ex.step("大病/大额年度最高支付限额", ZERO, "serious_illness_limit", sl, f"{fen(sl.value)} 元",  # type: ignore[arg-type]
            detail=f"本年度已付 {usage.serious_illness_paid} 元")

    # 5. 医疗救助: a share of what the person still bears in policy, within the yearly cap.
    aid = ZERO
    if episode.aid_category:
        aid = _aid(ex, episode, in_policy - pooled - serious, usage)

    fund_total = pooled + serious + aid
    personal_total = total - fund_total
    # 6. The rest is the person's: 个人账户 first (职工 only), then cash.
    account = min(episode.personal_account_balance, personal_total) if ins == "310" else ZERO
    account = fen(account)
    cash = personal_total - account
    ex.step("基金支付总额", fund_total, detail="统筹 + 大病/大额 + 医疗救助")
    ex.step("个人负担总金额", personal_total, detail="总额 − 基金支付总额")
    ex.step("个人账户支出", account, detail="职工个人账户余额内支付个人负担")
    ex.step("个人现金支出", cash, detail="个人负担 − 个人账户支出")

    return Settlement(
        total=total, fully_self_paid=fully, over_ceiling=over, first_self_paid=first, in_policy=in_policy,
        deductible=deductible, pooled_fund=pooled, pooled_ratio=ratio, serious_illness=serious,
        medical_aid=aid, fund_total=fund_total, personal_total=personal_total, personal_account=account,
        cash=cash, steps=tuple(ex.steps), uses_demo_values=ex.demo,
        usage_delta=Usage(deductible, pooled, burden, serious, aid),
        fund_pay_types={
            "pooled": FUND_PAY_TYPES[("pooled", ins)],
            "serious": FUND_PAY_TYPES[("serious", ins)],
            "aid": FUND_PAY_TYPES[("aid", ins)],
        },
    )


def _lowering(ex: _Explainer, episode: Episode, base_ratio: Decimal) -> Decimal:
    """Points the ratio is lowered by. When several rules apply, the largest one is used, so a
    person is not penalised twice for the same missing paper (one is enough to say "not referred")."""
    candidates: list[tuple[Decimal, str, str, Value, str]] = []
    if episode.offsite and not episode.filing_in_force:
        if episode.emergency or episode.referral:
            name, why = "offsite_referral_points", "异地急诊或转诊、未备案"
        else:
            name, why = "offsite_unfiled_points", "异地就医未备案、非急诊非转诊"
        v = ex.get(name, insurance_type=episode.insurance_type)
        points: Decimal = v.value / 100  # type: ignore[operator,assignment]
        candidates.append((points, name, why, v, f"{v.value} 个百分点"))
    if episode.inpatient and not episode.referral and not episode.emergency:
        deduction: Value | None
        try:
            deduction = ex.rules.lookup("referral_deduction", episode.care_date, hospital_level=episode.hospital_level)
        except ParameterMissing:
            deduction = None  # only regions whose rules say so (Jincheng) have this parameter
        if deduction is not None:
            # "报销比例扣减15%或20%": read as percentage points of the ratio.
            rate: Decimal = deduction.value  # type: ignore[assignment]
            candidates.append((rate, "referral_deduction", "住院未办理《转诊转院审批表》", deduction, _pct(rate)))
    if not candidates:
        return Decimal(0)
    chosen, name, why, value, shown = max(candidates, key=lambda c: c[0])
    points = min(chosen, base_ratio)
    ex.step("统筹支付比例降低", ZERO, name, value, shown,
            detail=f"{why}：比例由 {_pct(base_ratio)} 降为 {_pct(base_ratio - points)}")
    return points


def _aid(ex: _Explainer, episode: Episode, still_borne: Decimal, usage: Usage) -> Decimal:
    cat = episode.aid_category
    r = ex.get("aid_ratio", aid_category=cat)
    ratio: Decimal = r.value  # type: ignore[assignment]
    detail = ""
    try:
        floor = ex.rules.lookup("aid_ratio_floor", episode.care_date, aid_category=cat)
    except ParameterMissing:
        floor = None
    if floor is not None and floor.value > ratio:  # type: ignore[operator]
        # 国办发〔2015〕30号: key recipients get at least the national floor, whatever the local value.
        ratio = floor.value  # type: ignore[assignment]
        detail = f"；本地比例低于国家规定下限，按 {_pct(ratio)}"
        ex.step("医疗救助比例下限", ZERO, "aid_ratio_floor", floor, _pct(ratio))
    cap = ex.get("aid_annual_cap", aid_category=cat)
    room = max(ZERO, fen(cap.value) - usage.aid_paid)  # type: ignore[arg-type]
    aid = min(fen(max(ZERO, still_borne) * ratio), room)
    ex.step("医疗救助", aid, "aid_ratio", r, _pct(r.value),  # type: ignore[arg-type]
            detail=f"{cat}：政策范围内个人仍负担 {still_borne} 元 × {_pct(ratio)}{detail}")
    ex.step("医疗救助年度限额", ZERO, "aid_annual_cap", cap, f"{fen(cap.value)} 元",  # type: ignore[arg-type]
            detail=f"本年度已救助 {usage.aid_paid} 元")
    return aid
