"""The administrator's holiday table: it wins, it is cached, and it fills the years the library lacks."""

import logging
from datetime import date

import pytest

from yibao.workdays import calendar
from yibao.workdays.calendar import (
    add_natural_days,
    add_working_days,
    count_working_days,
    is_working_day,
)
from yibao.workdays.models import HolidayOverride
from yibao.workdays.services import set_holiday

pytestmark = pytest.mark.django_db


def warnings_about(caplog, year):
    return [
        r for r in caplog.records
        if r.name == "yibao.workdays" and r.levelno == logging.WARNING and str(year) in r.getMessage()
    ]


# --- overrides win, and the cache follows them ------------------------------------------------


def test_an_override_changes_the_answer_and_the_cache_is_invalidated():
    # Given the cache is warm with the library's answer for Thursday 10/8...
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    # ...when the administrator declares 10/8 a day off (a local closure),
    set_holiday(day=date(2026, 10, 8), is_working_day=False, name="临时停办", actor="admin")
    # then the next answer skips it without anyone clearing the cache by hand.
    assert is_working_day(date(2026, 10, 8)) is False
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 9)
    assert count_working_days(date(2026, 9, 30), date(2026, 10, 15)) == 6


def test_an_override_can_make_a_weekend_a_working_day_and_deleting_it_restores_the_library():
    sunday = date(2026, 11, 29)
    assert is_working_day(sunday) is False
    set_holiday(day=sunday, is_working_day=True, name="调休上班", actor="admin")
    assert is_working_day(sunday) is True
    assert add_working_days(date(2026, 11, 27), 1) == sunday
    HolidayOverride.objects.get(date=sunday).delete()
    assert is_working_day(sunday) is False


def test_updating_an_override_is_seen_at_once():
    day = date(2026, 12, 1)
    set_holiday(day=day, is_working_day=False, name="停办", actor="admin")
    assert is_working_day(day) is False
    set_holiday(day=day, is_working_day=True, name="照常上班", actor="admin")
    assert is_working_day(day) is True


def test_the_table_is_read_with_one_query_and_then_reused(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(date(2026, 1, 1), 200)
        count_working_days(date(2026, 1, 1), date(2026, 12, 31))
        add_natural_days(date(2026, 9, 30), 5)
        for day in range(1, 29):
            is_working_day(date(2026, 2, day))


def test_a_change_made_by_another_process_is_picked_up_after_the_time_to_live(monkeypatch):
    # bulk_create sends no signal, like a write made by another worker process.
    day = date(2026, 12, 2)
    assert is_working_day(day) is True
    HolidayOverride.objects.bulk_create(
        [HolidayOverride(date=day, is_working_day=False, name="停办", source="测试")]
    )
    assert is_working_day(day) is True  # still the cached answer
    later = calendar.monotonic() + calendar.OVERRIDES_TTL_SECONDS + 1
    monkeypatch.setattr(calendar, "monotonic", lambda: later)
    assert is_working_day(day) is False


# --- a year chinese-calendar does not know (2027) -------------------------------------------------


def test_a_2027_date_falls_back_to_weekends_with_one_warning(caplog):
    caplog.set_level(logging.WARNING, logger="yibao.workdays")
    # 2027-01-01 is a Friday: without the year's notice it counts as a working day.
    assert is_working_day(date(2027, 1, 1)) is True
    assert is_working_day(date(2027, 1, 2)) is False  # Saturday
    # Friday 2027-01-01 + 1 working day = Monday 01-04.
    assert add_working_days(date(2027, 1, 1), 1) == date(2027, 1, 4)
    assert count_working_days(date(2027, 1, 1), date(2027, 1, 31)) == 20
    assert add_natural_days(date(2027, 1, 1), 1) == date(2027, 1, 4)  # Saturday → Monday
    [warning] = warnings_about(caplog, 2027)
    assert "请管理员录入 2027 年的节假日" in warning.getMessage()


def test_a_period_running_into_2027_never_raises(caplog):
    caplog.set_level(logging.WARNING, logger="yibao.workdays")
    # Wednesday 2026-12-30: 12/31 (1); 2027-01-01 Friday, assumed working (2).
    assert add_working_days(date(2026, 12, 30), 2) == date(2027, 1, 1)
    assert add_working_days(date(2026, 12, 30), 30) == date(2027, 2, 10)
    assert len(warnings_about(caplog, 2027)) == 1


def test_each_unknown_year_is_warned_about_once(caplog):
    caplog.set_level(logging.WARNING, logger="yibao.workdays")
    is_working_day(date(2027, 3, 1))
    is_working_day(date(2027, 3, 2))
    is_working_day(date(2028, 3, 1))
    is_working_day(date(2003, 3, 3))  # before the library's range too
    assert len(warnings_about(caplog, 2027)) == 1
    assert len(warnings_about(caplog, 2028)) == 1
    assert len(warnings_about(caplog, 2003)) == 1


def test_the_administrators_2027_entries_are_used_and_silence_the_warning(caplog):
    caplog.set_level(logging.WARNING, logger="yibao.workdays")
    # Illustrative entries an administrator might make once a notice is out
    # (not the real 2027 arrangement, which is not published yet).
    set_holiday(day=date(2027, 1, 1), is_working_day=False, name="元旦", source="测试通知", actor="admin")
    set_holiday(day=date(2027, 1, 9), is_working_day=True, name="调休上班", source="测试通知",
                actor="admin")
    assert is_working_day(date(2027, 1, 1)) is False
    assert is_working_day(date(2027, 1, 9)) is True  # a Saturday
    # Thursday 2026-12-31 + 1: Friday 2027-01-01 is now a holiday → Monday 01-04.
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    # Friday 01-08 + 1 = the make-up Saturday 01-09.
    assert add_working_days(date(2027, 1, 8), 1) == date(2027, 1, 9)
    assert warnings_about(caplog, 2027) == []
