"""One base for every domain's refusals.

A domain error carries a Chinese message for the user, a stable ``code`` (for API clients and
logs) and a ``kind`` that each delivery layer maps to a response once (``STATUS_BY_KIND``), so
that a new domain never writes its own try/except-to-status table.
"""

from __future__ import annotations

# kind → HTTP status. "invalid" is bad input (the user can fix it), "refused" a business rule that
# says no (the application is well formed but not allowed), "conflict" a race or a state that moved.
STATUS_BY_KIND = {
    "invalid": 422,
    "refused": 422,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "not_offered": 409,
    "too_large": 413,
    "too_many": 429,
    "bad_request": 400,
}


class DomainError(Exception):
    """Base of every business refusal; ``str(exc)`` is the Chinese message shown to the user."""

    kind: str = "invalid"
    code: str = "invalid"

    def __init__(self, message: str = "", *, code: str | None = None, field: str | None = "") -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        # The input field the message is about, when there is one (API error bodies name it).
        self.field = field

    @property
    def http_status(self) -> int:
        return STATUS_BY_KIND.get(self.kind, 422)


class Invalid(DomainError):
    kind = "invalid"


class Refused(DomainError):
    kind = "refused"


class Forbidden(DomainError):
    kind = "forbidden"


class NotFound(DomainError):
    kind = "not_found"


class Conflict(DomainError):
    kind = "conflict"
