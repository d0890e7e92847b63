"""The one clock of the platform: every "today" and "now" of business code comes from here.

Tests move time with ``freezegun``-free means: ``override`` sets a fixed day for a block, so
that due dates, expiry sweeps and "as of" rule lookups can be exercised without patching
``timezone`` in each module.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import date, datetime, time

from django.utils import timezone

_fixed = threading.local()


def now() -> datetime:
    """The current aware datetime (the fixed one inside ``override``)."""
    fixed = getattr(_fixed, "value", None)
    if fixed is not None:
        return fixed
    return timezone.now()


def today() -> date:
    """Today's date in the platform's time zone (Asia/Shanghai)."""
    return timezone.localtime(now()).date()


@contextlib.contextmanager
def override(day: date | datetime) -> Iterator[None]:
    """Run a block as if it were ``day`` (noon local time when a bare date is given)."""
    value = day if isinstance(day, datetime) else timezone.make_aware(datetime.combine(day, time(12)))
    previous = getattr(_fixed, "value", None)
    _fixed.value = value
    try:
        yield
    finally:
        _fixed.value = previous
