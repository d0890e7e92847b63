"""Chinese error bodies for the API: {"detail": "...", "errors": [{"field", "message"}]}."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

# pydantic error types → Chinese wording (the field name is prefixed by the caller).
MESSAGES = {
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


def field_name(loc: tuple) -> str:
    # ninja prefixes the location with "query"/"path"/"body"; users know only the field.
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(parts) or "请求"


def chinese_message(error: dict) -> str:
    template = MESSAGES.get(error.get("type", ""))
    if template is None:
        return error.get("msg", "取值无效")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return template


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [
            {"field": field_name(tuple(e.get("loc", ()))), "message": chinese_message(e)}
            for e in exc.errors
        ]
        detail = "；".join(f"字段 {e['field']}：{e['message']}" for e in errors)
        return api.create_response(request, {"detail": detail, "errors": errors}, status=422)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)
