"""Chinese wording for pydantic validation errors, shared by the API and the item handlers."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

# pydantic error types → Chinese wording (the field name is prefixed by the caller).
MESSAGES = {
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "extra_forbidden": "不是本事项的字段",
    "string_type": "应为文本",
    "list_type": "应为列表",
    "bool_type": "应为是/否",
    "bool_parsing": "应为是/否",
    "missing": "必填",
    "date_from_datetime_parsing": "日期格式无效，应为 YYYY-MM-DD",
    "date_parsing": "日期格式无效，应为 YYYY-MM-DD",
    "date_from_datetime_inexact": "日期格式无效，应为 YYYY-MM-DD",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}",
    "string_too_long": "长度不能超过 {max_length}",
    "string_too_short": "长度不能少于 {min_length}",
    "enum": "取值无效，可选：{expected}",
    "literal_error": "取值无效，可选：{expected}",
    "string_pattern_mismatch": "格式无效",
}


# Chinese names of the request fields people meet in messages (query parameters
# and common body fields); errors[].field keeps the machine name.
FIELD_LABELS = {
    "start": "开始日期",
    "end": "结束日期",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "start_month": "起始年月",
    "end_month": "截止年月",
    "city": "城市",
    "region": "统筹区",
    "category": "类别",
    "q": "关键词",
    "days": "天数",
    "kind": "类型",
    "on": "日期",
    "limit": "条数",
    "offset": "起始位置",
    "month": "年月",
    "item": "事项",
    "password": "密码",
    "channel": "渠道",
}


def field_label(name: str) -> str:
    """"start" → "开始日期"; a dotted path by its last known part; unknown names unchanged."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    head, _, last = name.rpartition(".")
    if head and last in FIELD_LABELS:
        return f"{head}.{FIELD_LABELS[last]}"
    return name


def field_name(loc: tuple) -> str:
    # ninja prefixes the location with "query"/"path"/"body"; users know only the field.
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(parts) or "请求"


def chinese_message(error: dict) -> str:
    template = MESSAGES.get(error.get("type", ""))
    if template is None:
        return error.get("msg", "取值无效")
    ctx = dict(error.get("ctx") or {})
    if isinstance(ctx.get("expected"), str):
        # pydantic writes "'a', 'b' or 'c'"; say it the Chinese way: a、b、c
        ctx["expected"] = ctx["expected"].replace(" or ", ", ").replace("'", "").replace(", ", "、")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template




# --- strict query types ----------------------------------------------------------------
# pydantic's lax mode reads "5_0" as 50, " 5 " and "5.0" as 5, and the number 0 as the date
# 1970-01-01; an API must refuse such input instead of guessing (schemathesis found all three).

_DIGITS = re.compile(r"^-?[0-9]{1,9}$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _plain_int(value):
    if isinstance(value, bool):
        raise PydanticCustomError("int_parsing", "应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS.match(value):
        return int(value)
    raise PydanticCustomError("int_parsing", "应为整数")


def _iso_date(value):
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        return value
    raise PydanticCustomError("date_parsing", "日期格式无效，应为 YYYY-MM-DD")


# A whole number written with digits only (at most 9, optionally after a minus sign).
PlainInt = Annotated[int, BeforeValidator(_plain_int)]
# A date written YYYY-MM-DD (or already a date), nothing else.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
