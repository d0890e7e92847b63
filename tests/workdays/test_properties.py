"""Properties of the arithmetic over 2025–2026, years chinese-calendar knows."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.workdays.calendar import (
    add_natural_days,
    add_working_days,
    count_working_days,
    is_working_day,
)

pytestmark = pytest.mark.django_db

# Starts end on 2026-10-31 so that even 40 working days later the result stays
# in 2026 and never reaches the unknown year 2027 (tested separately).
dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 10, 31))


@settings(max_examples=300, deadline=None)
@given(start=dates, n=st.integers(min_value=0, max_value=40))
def test_count_undoes_add_and_the_result_is_a_working_day(start, n):
    end = add_working_days(start, n)
    assert end.year <= 2026
    assert count_working_days(start, end) == n
    if n > 0:
        assert end > start
        assert is_working_day(end)
    else:
        assert end == start


@settings(max_examples=200, deadline=None)
@given(start=dates, n=st.integers(min_value=1, max_value=40))
def test_natural_days_end_on_the_first_working_day_from_start_plus_n(start, n):
    end = add_natural_days(start, n)
    last = start + timedelta(days=n)
    assert end >= last
    assert is_working_day(end)
    # Every day from start + n up to the end (excluded) is a day off: the roll
    # forward stops at the first working day.
    assert count_working_days(last - timedelta(days=1), end - timedelta(days=1)) == 0
