"""Working-day arithmetic for statutory time limits (办理时限).

Which days are working days:

1. A row in the administrator's holiday table (``HolidayOverride``) wins.
2. Otherwise chinese-calendar, which carries the State Council's yearly
   arrangements (法定节假日 and 调休上班日) for 2004–2026 in version 1.11.0.
3. Otherwise — a year neither knows, e.g. 2027 before its notice is entered —
   Monday to Friday are working days. This is wrong on the year's holidays, so
   one warning per year asks the administrator to enter them; it never raises,
   because a missing holiday notice must not stop the counters from working.

How periods are counted (中华人民共和国民法典):

- 第二百零一条：按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算。
  So the day a case is accepted does not count, for working and natural days alike.
- 第二百零三条：期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日。
  So a period of natural days that ends on a holiday or weekend ends on the next
  working day instead.
- 行政许可法第八十二条：规定的期限以工作日计算，不含法定节假日 — limits given in
  工作日 skip holidays and rest days and count 调休 Saturdays/Sundays.

These functions sit on hot paths (to-do lists of thousands of cases), so the
holiday table is read with one query into a per-process dict and reused; the
signals in ``yibao.workdays.signals`` drop it on every save or delete, and a
short time-to-live makes other worker processes pick up an administrator's
change too.
"""

from __future__ import annotations

import logging
import threading
from bisect import bisect_right
from datetime import date, timedelta
from time import monotonic
from typing import Final

import chinese_calendar

from yibao.workdays.models import HolidayOverride

logger = logging.getLogger("yibao.workdays")

INSTANT: Final = "instant"
WORKING_DAYS: Final = "working_days"
NATURAL_DAYS: Final = "natural_days"
# The same strings as yibao.catalog.schema.TimeLimitKind (checked by a test);
# kept here so the calendar does not depend on the catalog app.
TIME_LIMIT_KINDS: Final = frozenset({INSTANT, WORKING_DAYS, NATURAL_DAYS})

# A save in another worker process sends no signal here; re-reading the (small)
# table once a minute bounds how long such a process keeps the old answer.
# Holiday notices come weeks ahead, so a minute of delay is harmless.
OVERRIDES_TTL_SECONDS: Final = 60.0

_ONE_DAY: Final = timedelta(days=1)

_lock = threading.Lock()
_overrides: dict[date, bool] | None = None
_override_years: frozenset[int] = frozenset()
_loaded_at: float = 0.0
_warned_years: set[int] = set()


# --- the cached holiday table ------------------------------------------------


def invalidate_overrides() -> None:
    """Forget the cached holiday table; the next lookup reads it again (one query)."""
    global _overrides, _override_years
    with _lock:
        _overrides = None
        _override_years = frozenset()


def clear_caches() -> None:
    """Forget the holiday table and which years were already warned about (for tests)."""
    invalidate_overrides()
    with _lock:
        _warned_years.clear()


def _get_overrides() -> dict[date, bool]:
    """Return {date: is_working_day} for every override row, loading it if stale."""
    global _overrides, _override_years, _loaded_at
    table = _overrides
    if table is not None and monotonic() - _loaded_at < OVERRIDES_TTL_SECONDS:
        return table
    table = dict(HolidayOverride.objects.values_list("date", "is_working_day"))
    with _lock:
        _overrides = table
        _override_years = frozenset(day.year for day in table)
        _loaded_at = monotonic()
    return table


# --- single days ---------------------------------------------------------------


def _warn_unknown_year(year: int) -> None:
    if year in _warned_years or year in _override_years:
        # Once per year per process; and not at all when the administrator has
        # entered some of that year's days (then the table is the year's arrangement).
        return
    with _lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    logger.warning(
        "%s 年的法定节假日安排未知（chinese-calendar 只包含 2004–2026 年）："
        "暂按周一至周五上班、周六周日休息计算。请管理员录入 %s 年的节假日和调休上班日"
        "（后台「节假日调整」，或编辑 yibao/workdays/data/holidays.yaml 后运行 workdays load）。",
        year,
        year,
    )


def _is_working_day(day: date, overrides: dict[date, bool]) -> bool:
    status = overrides.get(day)
    if status is not None:
        return status
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The library raises for every year it was not shipped with.
        _warn_unknown_year(day.year)
        return day.weekday() < 5


def is_working_day(day: date) -> bool:
    """Tell whether ``day`` is a working day (工作日), 调休 make-up days included.

    Never raises: a year neither the holiday table nor chinese-calendar knows is
    treated as Monday–Friday, with one logged warning for that year.
    """
    return _is_working_day(day, _get_overrides())


# --- periods -------------------------------------------------------------------


def _require_non_negative(n: int, what: str) -> None:
    if n < 0:
        raise ValueError(f"{what}不能为负数（收到 {n}）")


def add_working_days(start: date, n: int) -> date:
    """Return the ``n``-th working day after ``start``.

    The start day itself does not count (民法典第二百零一条), whether or not it
    is a working day: accepting on Friday with a limit of 1 working day gives
    Monday. ``n == 0`` returns ``start`` (即时办结).
    """
    _require_non_negative(n, "工作日天数")
    overrides = _get_overrides()  # one lookup for the whole loop
    day = start
    remaining = n
    while remaining:
        day += _ONE_DAY
        if _is_working_day(day, overrides):
            remaining -= 1
    return day


def add_natural_days(start: date, n: int) -> date:
    """Return the last day of a period of ``n`` natural days (自然日) from ``start``.

    The start day does not count (民法典第二百零一条), so the period ends on
    ``start + n``. If that day is a statutory holiday or a rest day, the period
    ends on the next working day instead (民法典第二百零三条：期间的最后一日是
    法定休假日的，以法定休假日结束的次日为期间的最后一日). ``n == 0`` returns ``start``.
    """
    _require_non_negative(n, "自然日天数")
    if n == 0:
        return start
    overrides = _get_overrides()
    day = start + timedelta(days=n)
    while not _is_working_day(day, overrides):
        day += _ONE_DAY
    return day


def _weekdays_through(day: date) -> int:
    """Monday-to-Friday days from 0001-01-01 (a Monday, ordinal 1) through ``day``."""
    n = day.toordinal()
    return n // 7 * 5 + min(n % 7, 5)


def _library_years() -> range:
    """The years chinese-calendar carries arrangements for."""
    years = sorted({d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays})
    return range(years[0], years[-1] + 1)


_LIBRARY_YEARS: Final = _library_years()
# Every day whose status differs or may differ from Monday-to-Friday, per chinese-calendar.
_LIBRARY_EXCEPTIONS: Final = tuple(sorted(set(chinese_calendar.holidays) | set(chinese_calendar.workdays)))


def count_working_days(start: date, end: date) -> int:
    """Count the working days in (start, end]: ``start`` excluded, ``end`` included.

    The inverse of ``add_working_days``: the count from ``start`` to
    ``add_working_days(start, n)`` is ``n``. Returns 0 when ``end <= start``.

    Independent of the length of the range: Monday-to-Friday days by arithmetic,
    corrected on the days the holiday table or chinese-calendar sets otherwise.
    """
    if end <= start:
        return 0
    overrides = _get_overrides()
    count = _weekdays_through(end) - _weekdays_through(start)
    exceptions = set(_LIBRARY_EXCEPTIONS[bisect_right(_LIBRARY_EXCEPTIONS, start):
                                         bisect_right(_LIBRARY_EXCEPTIONS, end)])
    exceptions.update(day for day in overrides if start < day <= end)
    for day in exceptions:
        count += int(_is_working_day(day, overrides)) - int(day.weekday() < 5)
    # The day loop warned about every year it met that neither table knows; so does this.
    first = (start + _ONE_DAY).year
    for year in range(max(first, _LIBRARY_YEARS.stop), end.year + 1):
        _warn_unknown_year(year)
    for year in range(first, min(end.year + 1, _LIBRARY_YEARS.start)):
        _warn_unknown_year(year)
    return count


def compute_due_date(start: date, kind: str, days: int | None) -> date:
    """Return the due date of a time limit that starts on ``start`` (usually the day of acceptance).

    ``kind`` is a ``TimeLimitKind`` value: ``instant`` (即时办结, due the same
    day), ``working_days`` or ``natural_days`` (``days`` of them, counted as above).
    """
    if kind == INSTANT:
        return start
    if kind not in TIME_LIMIT_KINDS:
        allowed = "、".join(sorted(TIME_LIMIT_KINDS))
        raise ValueError(f"办理时限类型「{kind}」无效，应为 {allowed} 之一")
    if days is None:
        label = "工作日" if kind == WORKING_DAYS else "自然日"
        raise ValueError(f"按{label}计算的办理时限必须给出天数")
    if kind == WORKING_DAYS:
        return add_working_days(start, days)
    return add_natural_days(start, days)


# --- years without a holiday arrangement ---------------------------------------

# How far ahead staff are warned about a year whose holidays nobody entered:
# the State Council publishes them in November, so 60 days leaves time to act.
MISSING_YEAR_WARNING_DAYS: Final = 60


def year_is_known(year: int) -> bool:
    """Tell whether the holidays of ``year`` are known (holiday table or chinese-calendar)."""
    _get_overrides()
    if year in _override_years:
        return True
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def unknown_years(start: date, end: date) -> list[int]:
    """The years touched by the period [start, end] whose holidays are not known.

    A due date computed over such a year counts that year's holidays as working
    days, so it is provisional (暂定) until the administrator enters them.
    """
    if end < start:
        start, end = end, start
    return [year for year in range(start.year, end.year + 1) if not year_is_known(year)]


def years_missing_soon(today: date, days: int = MISSING_YEAR_WARNING_DAYS) -> list[int]:
    """Years within the next ``days`` days that have no holidays entered (for the staff banner)."""
    return unknown_years(today, today + timedelta(days=days))


def provisional_note(start: date | None, due: date | None) -> str:
    """"（暂定：2027 年节假日未录入）" for a due date computed over an unknown year, else ""."""
    if due is None:
        return ""
    years = unknown_years(start or due, due)
    if not years:
        return ""
    return "（暂定：" + "、".join(str(year) for year in years) + " 年节假日未录入）"
