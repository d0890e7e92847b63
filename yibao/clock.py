"""The one clock of the platform: every "today" and "now" of business code comes from here.

Tests fix the day with ``override`` (a context manager) or by setting ``_fixed`` through
pytest's monkeypatch (the ``today_is`` fixture in tests/conftest.py). The fixed value is a
module global, not thread-local, so that a live server or the threads of a concurrency test
see the same day as the test that set it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime, time

from django.utils import timezone

_fixed: datetime | None = None


def at_noon(day: date | datetime) -> datetime:
    """``day`` as an aware datetime (noon local time when a bare date is given)."""
    if isinstance(day, datetime):
        return day if timezone.is_aware(day) else timezone.make_aware(day)
    return timezone.make_aware(datetime.combine(day, time(12)))


def now() -> datetime:
    """The current aware datetime (the fixed one while a day is fixed)."""
    return _fixed if _fixed is not None else timezone.now()


def today() -> date:
    """Today's date in the platform's time zone (Asia/Shanghai)."""
    return timezone.localtime(now()).date()


@contextlib.contextmanager
def override(day: date | datetime) -> Iterator[None]:
    """Run a block as if it were ``day``."""
    global _fixed
    previous = _fixed
    _fixed = at_noon(day)
    try:
        yield
    finally:
        _fixed = previous
