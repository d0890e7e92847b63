"""Chinese error bodies for the API: {"detail": "...", "errors": [{"field", "message"}]}."""

from __future__ import annotations

from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from yibao.validation import chinese_message, field_name


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
