"""One declared settlement as text → typed values, with every problem named (row and field).

Shared by the API batches and the file upload; the database checks (person, insurance,
designation, duplicates) come after, set-based, in ``validation.py``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("99999999.99")

# (attribute, Chinese header, kind). The order is the file layout (docs/settlement.md).
COLUMNS: list[tuple[str, str, str]] = [
    ("settlement_id", "结算编号", "text"),
    ("person_id_number", "公民身份号码", "id"),
    ("insurance_type", "险种", "insurance"),
    ("med_type", "医疗类别", "med"),
    ("begin_date", "就诊（入院）日期", "date"),
    ("end_date", "结算（出院）日期", "date"),
    ("total", "医疗费总额", "money"),
    ("self_pay_full", "全自费金额", "money"),
    ("over_limit", "超限价自费", "money"),
    ("pre_self_pay", "先行自付金额", "money"),
    ("in_policy", "符合政策范围金额", "money"),
    ("deductible", "实际支付起付线", "money"),
    ("pooled_employee", "职工统筹基金支出", "money"),
    ("large_expense", "大额医疗费用补助", "money"),
    ("pooled_resident", "居民统筹基金支出", "money"),
    ("critical_illness", "居民大病保险", "money"),
    ("medical_aid", "医疗救助", "money"),
    ("fund_total", "基金支付总额", "money"),
    ("personal_total", "个人负担总金额", "money"),
    ("account_pay", "个人账户支出", "money"),
    ("cash_pay", "个人现金支出", "money"),
    # Optional last column: the 病种组合 (diagnosis + procedure group) that DIP scores an inpatient
    # settlement by at year end. Files made from the 21-column template stay valid without it.
    ("diagnosis_code", "病种组合（DIP，可空）", "group"),
]
FIELDS = [name for name, _label, _kind in COLUMNS]
HEADERS = [label for _name, label, _kind in COLUMNS]
REQUIRED_HEADERS = HEADERS[:-1]
MAX_GROUP = 20
LABELS = dict((name, label) for name, label, _kind in COLUMNS)
INSURANCE_TYPES = {"310", "390"}
# 医疗类别 (BENEFITS.md §2); provinces add longer child codes, matched by the 2-digit parent.
MED_TYPES = {"11", "12", "13", "14", "16", "21", "22", "23", "24", "26", "28", "41", "51", "52"}


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def resident_id(text: str) -> str:
    """The 18-character 公民身份号码 with its GB 11643 check digit (fast: a month has a million of them)."""
    number = text.upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValueError("须为 18 位公民身份号码")
    if _CHECK[sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True)) % 11] != number[17]:
        raise ValueError("校验位不正确")
    return number


@dataclass
class Parsed:
    values: dict | None
    problems: list[str]


def _money(text: str) -> Decimal:
    amount = Decimal(text)
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise InvalidOperation
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError("金额最多两位小数（精确到分）")
    return amount.quantize(CENT)


def parse(raw: dict, *, row: int) -> Parsed:
    """Type and range checks of one record given as {attribute: text}; every field's problem named."""
    values: dict = {"row": row}
    problems: list[str] = []
    for name, label, kind in COLUMNS:
        value = raw.get(name)
        text = "" if value is None else str(value).strip()
        if "\x00" in text or len(text) > 40:
            problems.append(f"{label}：内容无效")
            continue
        if kind == "group":
            if len(text) > MAX_GROUP or not all(c.isalnum() or c in ".-_+" for c in text):
                problems.append(f"{label}：至多 {MAX_GROUP} 位，只能包含字母、数字和 . - _ +")
            else:
                values[name] = text.upper()
            continue
        if not text:
            if kind == "money" and name not in ("total", "fund_total", "personal_total"):
                values[name] = Decimal("0.00")
                continue
            problems.append(f"{label}：必填")
            continue
        try:
            if kind == "money":
                values[name] = _money(text)
            elif kind == "date":
                values[name] = datetime.date.fromisoformat(text[:10])
            elif kind == "id":
                values[name] = resident_id(text)
            elif kind == "insurance":
                if text not in INSURANCE_TYPES:
                    raise ValueError("须为 310（职工）或 390（居民）")
                values[name] = text
            elif kind == "med":
                if not text.isdigit() or len(text) > 6 or text[:2] not in MED_TYPES:
                    raise ValueError("不是有效的医疗类别代码（如 11 普通门诊、21 普通住院、41 定点药店购药）")
                values[name] = text
            else:
                if not all(c.isalnum() or c in "-_" for c in text):
                    raise ValueError("只能包含字母、数字、- 和 _")
                values[name] = text
        except (InvalidOperation, ValueError) as exc:
            reason = str(exc) if kind in ("insurance", "med", "text", "id") or "精确到分" in str(exc) else ""
            if kind == "money":
                problems.append(f"{label}：{reason or '须为 0 至 99999999.99 的金额'}")
            elif kind == "date":
                problems.append(f"{label}：须为 YYYY-MM-DD 格式的日期")
            else:
                problems.append(f"{label}：{reason or '格式不正确'}")
    if not problems and values["begin_date"] > values["end_date"]:
        problems.append("结算（出院）日期：早于就诊（入院）日期")
    return Parsed(values=None if problems else values, problems=problems)
