"""ID documents a person may enroll with, and how each number is checked.

居民身份证 and 户口簿 carry the 公民身份号码; a 居住证 is issued under the
holder's 公民身份号码 too. 港澳台居民居住证 numbers have the same layout and
check digit with 810000 / 820000 / 830000 in place of the county. The 2023
外国人永久居留身份证 has 18 characters starting with 9 and the same check
digit (the older 15-character card has three letters and twelve digits).
A 中国护照 number is a letter (E, G, …) followed by eight characters.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from stdnum.cn import ric

from yibao.enrollment.models import IdType
from yibao.ids import InvalidIdentifier, validate_resident_id

_HMT_PREFIXES = ("810000", "820000", "830000")
_PR_OLD = re.compile(r"^[A-Z]{3}\d{12}$")
_PR_NEW = re.compile(r"^9\d{16}[\dX]$")
_PASSPORT = re.compile(r"^[EGDPS][A-Z0-9]\d{7}$")


@dataclass(frozen=True)
class IdDocument:
    id_type: str
    number: str
    birth_date: datetime.date | None  # None where the number does not carry it
    sex: str | None  # "1" 男 / "2" 女, or None


def _from_ric_layout(id_type: str, number: str, label: str) -> IdDocument:
    if len(number) != 18 or not number[:17].isdigit():
        raise InvalidIdentifier(f"{label}号码应为 18 位", field=label)
    expected = ric.calc_check_digit(number)
    if number[-1] != expected:
        raise InvalidIdentifier(f"{label}号码校验位错误，应为 {expected}", field=label)
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidIdentifier(f"{label}号码中的出生日期 {number[6:14]} 不是有效日期", field=label) from None
    return IdDocument(id_type, number, birth, "1" if int(number[16]) % 2 else "2")


def validate_id_document(id_type: str, value: object) -> IdDocument:
    """Check ``value`` as a number of document type ``id_type`` (an ``IdType`` code).

    Raises ``InvalidIdentifier`` naming the document in Chinese.
    """
    if id_type not in IdType.values:
        raise InvalidIdentifier(
            f"字段 证件类型：「{id_type}」无效，可选：{'、'.join(f'{v} {label}' for v, label in IdType.choices)}",
            field="证件类型")
    label = IdType(id_type).label
    number = re.sub(r"[\s\u3000\-]", "", str(value or "")).upper()
    if not number:
        raise InvalidIdentifier(f"{label}号码不能为空", field=label)
    if id_type in (IdType.RESIDENT_ID, IdType.HOUSEHOLD_REGISTER, IdType.RESIDENCE_PERMIT,
                   IdType.SOCIAL_SECURITY_CARD):
        rid = validate_resident_id(number, field_name=f"{label}号码")
        return IdDocument(id_type, rid.number, rid.birth_date, "1" if rid.sex == "男" else "2")
    if id_type == IdType.HMT_RESIDENCE_PERMIT:
        if not number.startswith(_HMT_PREFIXES):
            raise InvalidIdentifier(f"{label}号码应以 810000、820000 或 830000 开头", field=label)
        return _from_ric_layout(id_type, number, label)
    if id_type == IdType.FOREIGNER_PERMANENT_RESIDENCE:
        if _PR_NEW.match(number):
            return _from_ric_layout(id_type, number, label)
        if _PR_OLD.match(number):
            return IdDocument(id_type, number, None, None)
        raise InvalidIdentifier(f"{label}号码应为 9 开头的 18 位号码，或 3 个字母加 12 位数字的旧号码", field=label)
    if id_type == IdType.CHINESE_PASSPORT:
        if not _PASSPORT.match(number):
            raise InvalidIdentifier(f"{label}号码格式错误：应为 1 个字母（E、G 等）加 8 位字符，共 9 位", field=label)
        return IdDocument(id_type, number, None, None)
    if len(number) > 18:
        raise InvalidIdentifier(f"{label}号码不能超过 18 位", field=label)
    return IdDocument(id_type, number, None, None)
