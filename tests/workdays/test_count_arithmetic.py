"""count_working_days is arithmetic over whole weeks plus the exceptions, equal to counting day by day."""

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yibao.workdays import calendar
from yibao.workdays.calendar import clear_caches, count_working_days, is_working_day
from yibao.workdays.models import HolidayOverride

pytestmark = pytest.mark.django_db


def day_by_day(start: date, end: date) -> int:
    return sum(is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


@pytest.fixture
def overrides():
    # Rows in a year the library knows (one each way) and in one it does not (2027).
    HolidayOverride.objects.bulk_create([
        HolidayOverride(date=date(2026, 3, 4), is_working_day=False, name="停办", source="测试"),
        HolidayOverride(date=date(2026, 3, 7), is_working_day=True, name="补班", source="测试"),
        HolidayOverride(date=date(2027, 1, 1), is_working_day=False, name="元旦", source="测试"),
        HolidayOverride(date=date(2027, 2, 6), is_working_day=True, name="调休", source="测试"),
    ])
    clear_caches()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=date(2002, 1, 1), max_value=date(2028, 12, 31)),
       length=st.integers(min_value=-5, max_value=400))
def test_the_count_equals_the_day_by_day_count(overrides, start, length):
    end = start + timedelta(days=length)
    assert count_working_days(start, end) == (day_by_day(start, end) if length > 0 else 0)


def test_a_range_of_eight_thousand_years_is_counted_without_visiting_its_days(monkeypatch):
    visited = []
    original = calendar._is_working_day
    monkeypatch.setattr(calendar, "_is_working_day", lambda day, table: visited.append(day) or original(day, table))

    count = count_working_days(date(1, 1, 1), date(9999, 12, 31))

    # Only the days chinese-calendar sets apart from Monday–Friday are looked at.
    assert len(visited) < 2000
    assert count > 2_000_000


def test_the_library_years_are_known():
    assert calendar._LIBRARY_YEARS.start == 2004 and calendar._LIBRARY_YEARS.stop >= 2027
