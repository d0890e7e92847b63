"""Who is asking: one place where every router turns a token into the caller it serves.

Each function answers 403 in Chinese when the token is not of the kind the endpoint is for, so
that a router never re-implements (and never forgets part of) the check — e.g. an inactive
clerk is refused everywhere, not only where someone remembered ``is_active``.
"""

from __future__ import annotations

from typing import Any

from ninja.errors import HttpError

from yibao.accounts.models import PersonAccount, UnitAccount
from yibao.accounts.selectors import person_of, unit_of
from yibao.agencies.models import StaffMember
from yibao.agencies.selectors import staff_of
from yibao.api.auth import ErrorOut, ValidationErrorOut

STAFF_ONLY = "仅限经办人员"
PERSON_ONLY = "仅限参保人员本人账号"
UNIT_ONLY = "仅限单位账号"

# The error responses every authenticated endpoint may give; routers add their own statuses.
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut,
                          422: ValidationErrorOut}


def staff_or_none(request) -> StaffMember | None:
    """The active clerk behind a staff token (agency, window and roles loaded), or None."""
    identity = getattr(request, "api_identity", None)
    if request.api_token.kind != "staff":
        return None
    # Read once per cached token (yibao.api.auth.Identity), not on every request.
    staff = identity.staff() if identity is not None else staff_of(request.auth)
    return staff if staff is not None and staff.is_active else None


def staff_caller(request) -> StaffMember:
    """The active clerk behind a staff token (agency, window and roles loaded), else 403."""
    staff = staff_or_none(request)
    if staff is None:
        raise HttpError(403, STAFF_ONLY)
    return staff


def account_of_caller(request) -> PersonAccount | UnitAccount | None:
    """The person or unit account behind a person or unit token, or None (read once per cached token)."""
    if request.api_token.kind not in ("person", "unit"):
        return None
    identity = getattr(request, "api_identity", None)
    if identity is not None:
        return identity.account()
    return (person_of if request.api_token.kind == "person" else unit_of)(request.auth)


def person_caller(request) -> PersonAccount:
    """The person account behind a person token, else 403."""
    account = account_of_caller(request) if request.api_token.kind == "person" else None
    if account is None:
        raise HttpError(403, PERSON_ONLY)
    return account


def unit_caller(request) -> UnitAccount:
    """The unit account behind a unit token, else 403."""
    account = account_of_caller(request) if request.api_token.kind == "unit" else None
    if account is None:
        raise HttpError(403, UNIT_ONLY)
    return account
