"""The hot read endpoints on a lean path: a clerk's person lookup and 12-month contributions.

``GET /api/persons/{id_number}`` and ``GET /api/persons/{id_number}/contributions`` are
the busiest reads of the API. Through Django and django-ninja one answer costs ~6 ms of
CPU, most of it compiling four ORM queries and validating the response again; the
database needs well under 1 ms. This module answers the *ordinary* request of those two
endpoints itself, in front of the Django application (``application`` below is a WSGI
app; ``yibao bench http --server granian`` serves it under granian):

- the token → user → clerk's region resolution is cached in process
  (``yibao.api.auth.cached_identity``, which every API request uses: the same ``resolve_token``
  and the clerk's profile, forgotten on revoke and on any change of a user, clerk, role,
  agency or window in this process, and
  read again from the database after ``API_TOKEN_CACHE_SECONDS`` at the latest);
- the selectors' own SQL (compiled once from the same querysets) runs as prepared
  statements on the request thread's Django connection, rows as plain tuples;
- the answer is the dict the endpoint builds (``yibao.enrollment.api``'s builders),
  rendered by the same JSON encoder, without a second pydantic validation.

Everything else — another method or path, any query parameter beyond ``months`` (1–120)
and ``id_type=01``, a missing or unknown token, a non-clerk, a malformed ID number, a
person not found or of another region, a disallowed host, an HTTPS redirect — is handed
to the Django application unchanged, so every error and refusal is the one the API always
gave (one code path for permissions: the fast path only ever says yes where the API does,
and tests/api/test_enrollment_api.py runs through both).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection

from yibao.api.auth import cached_identity
from yibao.enrollment import api as enrollment_api
from yibao.enrollment import selectors
from yibao.ids import InvalidIdentifier, validate_resident_id

PERSON_PATH = re.compile(r"/api/persons/([0-9]{17}[0-9Xx])(/contributions)?")
MONTHS = re.compile(r"[1-9][0-9]{0,2}")
SENTINEL_TEXT = "__yibao_hot__"
SENTINEL_INT = 987_654_321_987


class Statement:
    """A selector's queryset compiled once: SQL text with %s, constants kept, arguments slotted in.

    On PostgreSQL it runs as a server-side prepared statement (psycopg plans it once per
    connection); elsewhere the ORM queryset runs as usual.
    """

    def __init__(self, build: Callable, *sentinels) -> None:
        self.build = build
        queryset = build(*sentinels)
        sql, params = queryset.query.sql_with_params()
        self.slots = [sentinels.index(p) if p in sentinels else None for p in params]
        self.constants = list(params)
        # Django writes LIMIT as a literal, not a parameter: a sentinel there becomes the last one.
        for index, sentinel in enumerate(sentinels):
            if isinstance(sentinel, int) and f"LIMIT {sentinel}" in sql:
                assert sql.endswith(f"LIMIT {sentinel}"), sql
                sql = sql.removesuffix(f"LIMIT {sentinel}") + "LIMIT %s"
                self.slots.append(index)
                self.constants.append(None)
        self.sql = sql

    def rows(self, *args) -> list[tuple]:
        if connection.vendor != "postgresql":
            queryset = self.build(*args)
            return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in queryset]
        params = [args[slot] if slot is not None else constant
                  for slot, constant in zip(self.slots, self.constants, strict=True)]
        connection.ensure_connection()
        import psycopg  # PostgreSQL only

        # A plain (server-binding) cursor: Django's default client-side cursor cannot prepare.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(self.sql, params, prepare=True)
            return cursor.fetchall()


class HotQueries:
    """The three reads of the two endpoints (compiled lazily: the app registry must be ready)."""

    def __init__(self) -> None:
        self.person = Statement(selectors.person_record_query, SENTINEL_TEXT)
        self.person_fields = selectors.PERSON_RECORD_FIELDS
        self.periods = Statement(lambda pid: selectors.periods_query(pid), SENTINEL_INT)
        self.period_fields = selectors.PERIOD_FIELDS
        self.contributions = Statement(lambda pid, months: selectors.contributions_query(pid, months=months),
                                       SENTINEL_INT, 7_654_321)
        self.contribution_fields = selectors.CONTRIBUTION_FIELDS


_queries: HotQueries | None = None


def queries() -> HotQueries:
    global _queries
    if _queries is None:
        _queries = HotQueries()
    return _queries


def _query_arguments(request: WSGIRequest) -> tuple[int, str] | None:
    """(months, id_type) when the query string is one the fast path answers as the API would."""
    months, id_type = 12, "01"
    for key in request.GET:
        values = request.GET.getlist(key)
        if len(values) != 1:
            return None
        if key == "months" and MONTHS.fullmatch(values[0]) and int(values[0]) <= 120:
            months = int(values[0])
        elif key == "id_type" and values[0] == "01":
            pass
        else:
            return None
    return months, id_type


def _bearer(environ) -> str | None:
    header = environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    return token


def answer(environ) -> tuple[int, bytes] | None:
    """(status, JSON body) for an ordinary hot request, or None: the Django application answers it."""
    if environ.get("REQUEST_METHOD") != "GET":
        return None
    match = PERSON_PATH.fullmatch(environ.get("PATH_INFO", ""))
    if match is None:
        return None
    raw = _bearer(environ)
    if raw is None:
        return None
    request = WSGIRequest(environ)
    try:
        request.get_host()  # ALLOWED_HOSTS, as CommonMiddleware checks it
    except DisallowedHost:
        return None
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return None
    arguments = _query_arguments(request)
    if arguments is None:
        return None
    months, _id_type = arguments
    try:
        number = validate_resident_id(match.group(1)).number
    except InvalidIdentifier:
        return None
    if not connection.in_atomic_block:  # never inside a transaction (a test's): it would close it
        connection.close_if_unusable_or_obsolete()  # what request_started does for Django's requests
    identity = cached_identity(raw)
    if identity is None or identity.region is None:
        return None  # 401 / 403 from the API itself
    q = queries()
    found = q.person.rows(number)
    if not found:
        return None
    person = dict(zip(q.person_fields, found[0], strict=True))
    if person["region_id"] != identity.region[0]:
        return None  # the API's 404 (a person of another region is not found)
    if match.group(2):
        rows = [dict(zip(q.contribution_fields, row, strict=True))
                for row in q.contributions.rows(person["id"], months)]
        body = enrollment_api.contributions_body(person, months, rows)
    else:
        periods = [dict(zip(q.period_fields, row, strict=True)) for row in q.periods.rows(person["id"])]
        body = enrollment_api.person_body(person, periods, None)
    return 200, _render(body)


def _render(body: dict) -> bytes:
    """The API's own renderer (same encoder, same options) on the dict the endpoint builds."""
    from yibao.api.api import api  # the NinjaAPI with every router: imported once Django is set up

    return api.renderer.render(None, body, response_status=200).encode()  # type: ignore[arg-type]  # unused by it


class HotApplication:
    """WSGI: the hot reads answered here, everything else by Django's WSGI application.

    The headers of a fast answer are those Django put on its own answer to the first hot
    request (security middleware, CSP …), taken once: the two paths answer alike.
    """

    def __init__(self, django_app) -> None:
        self.django_app = django_app
        self.headers: list[tuple[str, str]] | None = None

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        if self.headers is None:
            return self._learn(environ, start_response)
        try:
            result = answer(environ)
        except Exception:  # noqa: BLE001 — any surprise (a dropped connection …): Django answers it
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            result = None
        if result is None:
            return self.django_app(environ, start_response)
        _status, body = result
        start_response("200 OK", [*self.headers, ("Content-Length", str(len(body)))])
        return [body]

    def _learn(self, environ, start_response) -> Iterable[bytes]:
        hot = environ.get("REQUEST_METHOD") == "GET" and PERSON_PATH.fullmatch(environ.get("PATH_INFO", ""))

        def recording(status, headers, exc_info=None):
            if hot and status.startswith("200 "):
                self.headers = [(name, value) for name, value in headers if name.lower() != "content-length"]
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return self.django_app(environ, recording)
