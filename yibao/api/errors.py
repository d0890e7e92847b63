"""Chinese error bodies for the API: {"detail": "...", "errors": [{"field", "message"}]}."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from yibao.errors import DomainError
from yibao.validation import chinese_message, field_label, field_name

NINJA_MESSAGES = {
    "Cannot parse request body": "请求体无法解析：应为有效的 JSON（检查引号、逗号和括号是否成对），并设置 Content-Type: application/json",
}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        errors = [
            {"field": field_name(tuple(e.get("loc", ()))), "message": chinese_message(e)}
            for e in exc.errors
        ]
        detail = "；".join(f"字段 {field_label(e['field'])}：{e['message']}" for e in errors)
        return api.create_response(request, {"detail": detail, "errors": errors}, status=422)

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        # One mapping for every domain: the kind gives the status, the code lets clients branch.
        body: dict = {"detail": str(exc), "code": exc.code}
        if exc.field:
            body["errors"] = [{"field": exc.field, "message": str(exc)}]
        return api.create_response(request, body, status=exc.http_status)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        detail = str(exc)
        # django-ninja's own messages are English; say them in Chinese.
        for english, chinese in NINJA_MESSAGES.items():
            if detail.startswith(english):
                detail = chinese
                break
        return api.create_response(request, {"detail": detail}, status=exc.status_code)
