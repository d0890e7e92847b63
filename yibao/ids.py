"""Identifier checks shared by every app: 公民身份号码 and 统一社会信用代码.

python-stdnum supplies the check-digit arithmetic, but two of its ``validate``
functions are too strict for real data (see DESIGN.md, "python-stdnum caveats"):

- ``stdnum.cn.ric.validate`` also looks the first six digits up in a county
  table with validity years, so it rejects real numbers such as 140403…
  (潞州区, created 2018) held by people born before 2018 — numbers keep the
  code of the county that issued them, and counties are renamed and merged.
  Here the county is only looked up to report a *warning*.
- ``stdnum.cn.uscc.validate`` requires the first eight characters to be
  digits, but GB 32100-2015 lets the registration-authority character be a
  letter (A 中央军委改革和编制办公室, N 农业部门, Y 其他 …). Here only the
  alphabet, the six-digit division code and the check digit are checked.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from stdnum import numdb
from stdnum.cn import ric, uscc

from yibao import clock

RESIDENT_ID_FIELD = "公民身份号码"
USCC_FIELD = "统一社会信用代码"

# GB 32100-2015 code alphabet: digits and capital letters without I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_RESIDENT_ID_BODY = re.compile(r"^\d{17}[\dX]$")
# Separators people paste along with a number (spaces, full-width spaces, hyphens).
_SEPARATORS = re.compile(r"[\s\u3000\-]")
# Nobody alive holds a number with an older birth date; anything earlier is a typo.
EARLIEST_BIRTH_DATE = datetime.date(1890, 1, 1)


class InvalidIdentifier(ValueError):
    """An identifier that cannot be right; the message names the field in Chinese."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class ResidentId:
    """A 公民身份号码 that passed the checks, with what can be read from it."""

    number: str
    birth_date: datetime.date
    sex: str  # "男" or "女": the 17th digit is odd for men (GB 11643-1999)
    county_code: str
    county_name: str  # "" when the code is not in python-stdnum's table
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.number


def _clean(value: object) -> str:
    return _SEPARATORS.sub("", str(value or "")).upper()


def county_name(code: str) -> str:
    """The latest county name python-stdnum knows for a 6-digit division code, or ""."""
    info: dict[str, str] = {}
    for _part, props in numdb.get("cn/loc").info(code):
        info.update(props)
    names = info.get("county", "")
    if not names:
        return ""
    # Entries look like "[2018-]潞州区" or "[1983-2017]长治县,[2018-]上党区": take the last.
    return names.split(",")[-1].split("]")[-1]


def validate_resident_id(
    value: object, *, field_name: str = RESIDENT_ID_FIELD, today: datetime.date | None = None
) -> ResidentId:
    """Check an 18-character 公民身份号码 and return it normalised (upper-case X).

    Refuses a wrong length or character, a wrong check digit, an impossible or
    future birth date. An unknown county code is reported in ``warnings`` only.
    """
    number = _clean(value)
    if not number:
        raise InvalidIdentifier(f"{field_name}不能为空", field=field_name)
    if len(number) != 18:
        raise InvalidIdentifier(
            f"{field_name}长度应为 18 位，实际为 {len(number)} 位", field=field_name
        )
    if not _RESIDENT_ID_BODY.match(number):
        raise InvalidIdentifier(
            f"{field_name}格式错误：前 17 位应为数字，最后一位为数字或 X", field=field_name
        )
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        raise InvalidIdentifier(f"{field_name}校验位错误，应为 {expected}", field=field_name)
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(
            f"{field_name}中的出生日期 {number[6:14]} 不是有效日期", field=field_name
        ) from None
    today = today or clock.today()
    if birth > today:
        raise InvalidIdentifier(
            f"{field_name}中的出生日期 {birth:%Y-%m-%d} 晚于今天", field=field_name
        )
    if birth < EARLIEST_BIRTH_DATE:
        raise InvalidIdentifier(
            f"{field_name}中的出生日期 {birth:%Y-%m-%d} 早于 {EARLIEST_BIRTH_DATE.year} 年，请核对",
            field=field_name,
        )
    code = number[:6]
    name = county_name(code)
    warnings = []
    if not name:
        warnings.append(f"{field_name}中的行政区划代码 {code} 不在区划代码表中，请核对")
    return ResidentId(
        number=number,
        birth_date=birth,
        sex="男" if int(number[16]) % 2 else "女",
        county_code=code,
        county_name=name,
        warnings=warnings,
    )


def validate_uscc(value: object, *, field_name: str = USCC_FIELD) -> str:
    """Check an 18-character 统一社会信用代码 and return it normalised (upper case).

    Checks the alphabet, the six-digit administrative division code (positions
    3–8) and the check digit; the registration-authority character may be a letter.
    """
    code = _clean(value)
    if not code:
        raise InvalidIdentifier(f"{field_name}不能为空", field=field_name)
    if len(code) != 18:
        raise InvalidIdentifier(
            f"{field_name}长度应为 18 位，实际为 {len(code)} 位", field=field_name
        )
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise InvalidIdentifier(
            f"{field_name}含有无效字符 {'、'.join(bad)}（不使用 I、O、Z、S、V）", field=field_name
        )
    if not code[2:8].isdigit():
        raise InvalidIdentifier(
            f"{field_name}第 3–8 位应为行政区划代码（6 位数字）", field=field_name
        )
    expected = uscc.calc_check_digit(code)
    if code[-1] != expected:
        raise InvalidIdentifier(f"{field_name}校验位错误，应为 {expected}", field=field_name)
    return code


def mask_resident_id(value: object) -> str:
    """Hide the birth date and sequence: "140105********1234" (first 6, last 4 kept)."""
    number = _clean(value)
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def make_resident_id(body17: str) -> str:
    """Append the check digit to 17 digits (for demo data and tests)."""
    return body17 + ric.calc_check_digit(body17 + "0")


def make_uscc(body17: str) -> str:
    """Append the check digit to 17 USCC characters (for demo data and tests)."""
    return body17 + uscc.calc_check_digit(body17 + "0")
