"""What the page frame shows depends on who is looking (base.html).

Citizens and units do not see the staff console, the ledger or the admin in the
navigation; staff and administrators see a banner when a year within the next
60 days has no holidays entered (its due dates would be computed wrongly).
"""

from __future__ import annotations

from yibao import clock
from yibao.accounts.selectors import is_staff_member
from yibao.workdays.calendar import years_missing_soon


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_staff": False, "nav_is_admin": False, "holiday_missing_years": []}
    is_admin = bool(user.is_staff or user.is_superuser)
    is_staff = user.is_superuser or is_staff_member(user)
    missing = years_missing_soon(clock.today()) if (is_staff or is_admin) else []
    return {"nav_is_staff": is_staff, "nav_is_admin": is_admin, "holiday_missing_years": missing}

