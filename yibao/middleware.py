"""Middleware that refuses hostile requests before any view (or the database) sees them."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

# A NUL written as a JSON escape: \u0000 preceded by an even number of backslashes
# (an odd number would make it the literal text "\u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


class RequestBodyCapMiddleware:
    """Answer 413 to a request whose declared body exceeds ``YIBAO_MAX_REQUEST_BODY`` before reading it.

    Django reads multipart uploads into temporary files without a total limit, so a
    400 MB upload was read in full before a view refused it. The WSGI server never
    passes more than CONTENT_LENGTH bytes, so checking the declared length bounds
    what is read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        cap = settings.YIBAO_MAX_REQUEST_BODY
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _refusal(request, 400, "请求头 Content-Length 无效")
        if length > cap:
            return _refusal(request, 413, f"请求内容超过 {cap // 1024 // 1024} MB 的上限，请压缩或分批上传文件")
        return self.get_response(request)


class NulByteMiddleware:
    """Answer 400 to a NUL character (``%00``) in the path, the query string, a form field or JSON.

    No legitimate input contains one, and PostgreSQL refuses it in text, which
    turned such requests into 500s deep inside the views.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        try:
            where = self._nul_in(request)
        except RequestDataTooBig:
            if request.content_type and request.content_type.endswith("json"):
                # The API answers this itself (413 with its error body) when the view reads it.
                return self.get_response(request)
            return _refusal(request, 413, "请求内容超过上限，请压缩或分批上传文件")
        if where:
            return _refusal(request, 400, f"{where}含有不允许的空字符（NUL，%00），请检查输入")
        return self.get_response(request)

    @staticmethod
    def _nul_in(request: HttpRequest) -> str:
        if "\0" in request.path_info or "\0" in request.path:
            return "网址路径"
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\0" in query:
            for name, value in parse_qsl(query, keep_blank_values=True):
                if "\0" in name or "\0" in value:
                    return f"查询参数 {name.replace(chr(0), '')}"
            return "查询参数"
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return ""
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for name, values in request.POST.lists():
                if "\0" in name or any("\0" in value for value in values):
                    return f"表单字段 {name.replace(chr(0), '')}"
            for name, upload in request.FILES.items():
                if "\0" in (upload.name or ""):
                    return f"上传文件 {name} 的文件名"
        elif content_type.endswith("json"):
            body = request.body
            if b"\0" in body or _JSON_NUL.search(body):
                return "JSON 内容"
        return ""


class JsonObjectBodyMiddleware:
    """Answer 422 to an API request whose JSON body is not an object (``[null,null]``, ``7``, ``null``).

    django-ninja reads a schema from any value's attributes, so a list became a
    body with every field at its default: ``[null,null]`` cancelled a filing. Every
    body of this API is an object; only the first character is looked at.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if (request.path.startswith("/api/") and request.method not in ("GET", "HEAD", "OPTIONS")
                and (request.content_type or "").endswith("json")):
            try:
                head = request.body[:4096].lstrip()
            except RequestDataTooBig:
                return self.get_response(request)  # the API answers 413 itself
            if head and not head.startswith(b"{"):
                message = "请求体应为 JSON 对象（以 { 开头），例如 {\"reason\": \"…\"}"
                return JsonResponse({"detail": f"字段 请求体：{message}",
                                     "errors": [{"field": "请求体", "message": message}]},
                                    status=422, json_dumps_params={"ensure_ascii": False})
        return self.get_response(request)


class DomainErrorMiddleware:
    """The HTML layer's one mapping of business refusals: a ``DomainError`` no view caught is shown
    as a Chinese error page with the status of its kind, never as a 500. (The API maps the same
    errors in ``yibao/api/errors.py``; forms that re-render with the message still catch their own.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        from django.shortcuts import render

        from yibao.errors import DomainError

        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": str(exception), "code": exception.code}, status=exception.http_status,
                                json_dumps_params={"ensure_ascii": False})
        return render(request, "refused.html", {"message": str(exception), "status": exception.http_status},
                      status=exception.http_status)
