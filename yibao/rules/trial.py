"""试算: what the fund would pay for an episode, from typed totals or an uploaded 明细, without
filing anything. Shared by the public page and ``POST /api/rules/trial``; writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from yibao import clock
from yibao.errors import Invalid
from yibao.rules.calculator import (
    AID_CATEGORIES,
    HOSPITAL_LEVELS,
    INSURANCE_TYPES,
    MED_TYPES,
    Episode,
    Line,
    Settlement,
    Usage,
    fen,
    settle,
)
from yibao.rules.checks import askable_from
from yibao.rules.parameters import regions

REGION_NAMES = {"taiyuan": "太原市", "changzhi": "长治市", "jincheng": "晋城市"}
CATEGORIES = {"310": ("在职", "退休"), "390": ("居民",)}
MAX_TOTAL = Decimal("99999999.99")
FIELD_LABELS = {
    "region": "统筹区", "insurance_type": "险种", "person_category": "人员类别", "med_type": "医疗类别",
    "hospital_level": "医院等级", "care_date": "就医日期", "aid_category": "救助类别",
    "amount_a": "甲类费用", "amount_b": "乙类费用", "amount_c": "丙类及目录外费用",
    "deductible_used": "本年度已付起付线", "fund_paid": "本年度统筹基金已支付",
}


class TrialInvalid(Invalid):
    code = "rules.trial_invalid"


@dataclass(frozen=True)
class TrialInput:
    region: str
    insurance_type: str
    person_category: str
    med_type: str
    hospital_level: str
    care_date: date | str | None
    offsite: bool = False
    filing_in_force: bool = False
    emergency: bool = False
    referral: bool = True
    aid_category: str | None = None
    amount_a: str | Decimal | None = None
    amount_b: str | Decimal | None = None
    amount_c: str | Decimal | None = None
    deductible_used: str | Decimal | None = None
    fund_paid: str | Decimal | None = None


def _choice(value: str | None, allowed, field: str) -> str:
    value = (value or "").strip()
    if value not in allowed:
        raise TrialInvalid(f"请选择{FIELD_LABELS[field]}", field=field)
    return value


def _money(value, field: str) -> Decimal:
    text = str(value).strip() if value is not None else ""
    if not text:
        return Decimal("0.00")
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise TrialInvalid(f"{FIELD_LABELS[field]}须为金额（元），如 1234.56", field=field) from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_TOTAL:
        raise TrialInvalid(f"{FIELD_LABELS[field]}须在 0 到 {MAX_TOTAL} 元之间", field=field)
    if amount != fen(amount):
        raise TrialInvalid(f"{FIELD_LABELS[field]}须精确到分", field=field)
    return amount


def _day(value) -> date:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError as exc:
            raise TrialInvalid("就医日期须为日期，如 2025-03-01", field="care_date") from exc
    first, last = askable_from(), clock.today() + timedelta(days=366)
    if not (first <= day <= last):
        raise TrialInvalid(f"就医日期须在 {first} 到 {last} 之间", field="care_date")
    return day


def episode_of(data: TrialInput) -> Episode:
    """The checked ``Episode`` of a trial input (``TrialInvalid`` names the field)."""
    region = _choice(data.region, regions(), "region")
    ins = _choice(data.insurance_type, INSURANCE_TYPES, "insurance_type")
    cat = _choice(data.person_category, CATEGORIES[ins], "person_category")
    med = _choice(data.med_type, MED_TYPES, "med_type")
    level = _choice(data.hospital_level, HOSPITAL_LEVELS, "hospital_level")
    aid = (data.aid_category or "").strip() or None
    if aid is not None:
        aid = _choice(aid, AID_CATEGORIES, "aid_category")
    return Episode(region=region, insurance_type=ins, person_category=cat, med_type=med, hospital_level=level,
                   care_date=_day(data.care_date), offsite=bool(data.offsite),
                   filing_in_force=bool(data.filing_in_force), emergency=bool(data.emergency),
                   referral=bool(data.referral), aid_category=aid)


def total_lines(data: TrialInput) -> list[Line]:
    """Lines from typed totals: one line per grade (乙类 at the region's default ratio)."""
    lines = []
    for field, grade, name in (("amount_a", "甲", "甲类费用合计"), ("amount_b", "乙类", "乙类费用合计"),
                               ("amount_c", "丙", "丙类及目录外费用合计")):
        amount = _money(getattr(data, field), field)
        if amount:
            lines.append(Line(code=field, name=name, grade=grade[0], unit_price=amount, quantity=Decimal(1),
                              amount=amount))
    if not lines:
        raise TrialInvalid("请填写费用金额或上传费用明细清单", field="amount_a")
    return lines


def run_trial(data: TrialInput, *, lines: list[Line] | None = None) -> Settlement:
    """Settle a trial episode (``lines`` from an upload, else the typed totals) on the year so far
    the user typed (zero when left empty). Nothing is stored."""
    episode = episode_of(data)
    usage = Usage(deductible_used=_money(data.deductible_used, "deductible_used"),
                  fund_paid=_money(data.fund_paid, "fund_paid"))
    return settle(episode, lines if lines is not None else total_lines(data), usage=usage)
