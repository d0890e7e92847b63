"""What the page frame shows depends on who is looking (base.html).

Each menu entry is shown only to those it opens for: citizens and units do not see the
staff console, the ledger or the admin; clerks do not see the citizens' hall; the ledger
is shown to 科长 and 管理员, the window activation to 受理. Staff and administrators see
a banner when a year within the next 60 days has no holidays entered (its due dates
would be computed wrongly).
"""

from __future__ import annotations

from yibao import clock
from yibao.accounts.models import PERSON_PREFIX, UNIT_PREFIX
from yibao.agencies.models import Role
from yibao.agencies.selectors import staff_of
from yibao.workdays.calendar import years_missing_soon

INSTITUTION_PREFIX = "i:"
LEDGER_ROLES = frozenset({Role.SUPERVISE.value, Role.ADMINISTER.value})


def _kind(username: str, is_staff: bool) -> str:
    # The username prefix tells persons, units and institutions apart without a query.
    for prefix, kind in ((PERSON_PREFIX, "person"), (UNIT_PREFIX, "unit"), (INSTITUTION_PREFIX, "institution")):
        if username.startswith(prefix):
            return kind
    return "staff" if is_staff else ""


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_staff": False, "nav_is_admin": False, "nav_kind": "", "nav_roles": frozenset(),
                "nav_sees_ledger": False, "holiday_missing_years": []}
    is_admin = bool(user.is_staff or user.is_superuser)
    username = user.get_username()
    staff = None if username[:2] in (PERSON_PREFIX, UNIT_PREFIX, INSTITUTION_PREFIX) else staff_of(user)
    roles = frozenset(r.role for r in staff.roles.all()) if staff is not None and staff.is_active else frozenset()
    is_staff = user.is_superuser or (staff is not None and staff.is_active)
    missing = years_missing_soon(clock.today()) if (is_staff or is_admin) else []
    return {"nav_is_staff": is_staff, "nav_is_admin": is_admin, "nav_kind": _kind(username, is_staff),
            "nav_roles": roles, "nav_sees_ledger": user.is_superuser or bool(roles & LEDGER_ROLES),
            "holiday_missing_years": missing}
