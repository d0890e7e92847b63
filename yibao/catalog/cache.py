"""Public catalog pages and catalog API answers cached by the published catalog version.

The item lists and guides change only when a catalog version is published
(``yibao catalog load``). Every request reads the current versions' ids (one
indexed query on a table of a few rows), so a new version is seen by every process
the moment it is committed; the rendered answer is then served from this process's
memory, keyed by those ids, the path, the query string and whether it is an htmx
fragment. Only anonymous requests are cached (a logged-in page is personal). The key's digest is the
answer's ETag; a client sending it back in If-None-Match gets 304 without a body.
"""

from __future__ import annotations

import hashlib
import threading
from functools import wraps

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control

from yibao.catalog.models import CatalogVersion

CACHE_SIZE = 2_000  # answers kept per process; a new catalog version makes every old key unreachable

_answers: dict[str, tuple[int, bytes, str]] = {}
_lock = threading.Lock()


def catalog_stamp() -> str:
    """The ids of the current catalog versions: changes whenever a version is published."""
    return ".".join(f"{pk}:{sha256[:12]}" for pk, sha256 in CatalogVersion.objects.filter(is_current=True)
                    .order_by("pk").values_list("pk", "sha256"))


def etag_of(request, *variants: str) -> str:
    parts = [catalog_stamp(), request.path, request.META.get("QUERY_STRING", ""), *variants]
    return '"c' + hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32] + '"'


def not_modified(request, etag: str) -> bool:
    wanted = request.META.get("HTTP_IF_NONE_MATCH", "")
    return wanted == "*" or etag in [tag.strip().removeprefix("W/") for tag in wanted.split(",")]


def _finish(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    # Stored, but asked again each time (the 304 is cheap): correct the moment a version is published.
    patch_cache_control(response, no_cache=True)
    return response


def remember(etag: str, response: HttpResponse) -> None:
    if response.status_code != 200 or response.streaming:
        return
    with _lock:
        if len(_answers) >= CACHE_SIZE:
            _answers.clear()
        _answers[etag] = (response.status_code, response.content, response["Content-Type"])


def cached_by_catalog_version(view):
    """Decorate a public GET view whose answer depends only on the catalog, the URL and login state."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        # Only anonymous answers are shared: a logged-in page carries the user's name, their CSRF
        # token and staff banners (holidays missing…), which must never be served to someone else.
        if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        etag = etag_of(request, request.headers.get("HX-Request", ""), "out")
        if not_modified(request, etag):
            return _finish(HttpResponseNotModified(), etag)
        hit = _answers.get(etag)
        if hit is not None:
            status, content, content_type = hit
            return _finish(HttpResponse(content, status=status, content_type=content_type), etag)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render) and not response.is_rendered:
            response.render()
        remember(etag, response)
        return _finish(response, etag) if response.status_code == 200 else response

    return wrapper


def forget_answers() -> None:
    with _lock:
        _answers.clear()
