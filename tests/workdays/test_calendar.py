"""Working-day arithmetic against the State Council's published calendars (via chinese-calendar).

Expected dates are written out by hand from the official arrangements:
- 2026 国庆节/中秋节: 9/25 (Fri, 中秋) – 9/27 off; 10/1–10/7 off; make-up days
  Sunday 9/20 and Saturday 10/10.
- 2026 春节: 2/15–2/23 off; make-up Saturdays 2/14 and 2/28.
- 2025 国庆节/中秋节: 10/1–10/8 off; make-up Sunday 9/28 and Saturday 10/11.
"""

from datetime import date

import pytest

from yibao.catalog.schema import TimeLimitKind
from yibao.workdays.calendar import (
    TIME_LIMIT_KINDS,
    add_natural_days,
    add_working_days,
    compute_due_date,
    count_working_days,
    is_working_day,
)

pytestmark = pytest.mark.django_db


# --- single days -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 1), False),  # 国庆节
        (date(2026, 10, 7), False),  # 国庆节 (Wednesday)
        (date(2026, 10, 8), True),  # Thursday after the holiday
        (date(2026, 10, 10), True),  # Saturday, 国庆节调休上班
        (date(2026, 10, 11), False),  # an ordinary Sunday
        (date(2026, 9, 20), True),  # Sunday, 调休上班
        (date(2026, 9, 25), False),  # Friday, 中秋节
        (date(2026, 2, 14), True),  # Saturday, 春节调休上班
        (date(2026, 2, 16), False),  # 春节 (Monday)
        (date(2026, 2, 23), False),  # 春节 (Monday, last day)
        (date(2026, 2, 28), True),  # Saturday, 春节调休上班
        (date(2026, 1, 2), False),  # Friday, 元旦
        (date(2026, 1, 4), True),  # Sunday, 元旦调休上班
        (date(2026, 5, 9), True),  # Saturday, 劳动节调休上班
        (date(2025, 10, 8), False),  # Wednesday, 2025 国庆节/中秋节
        (date(2025, 10, 11), True),  # Saturday, 2025 调休上班
        (date(2025, 9, 28), True),  # Sunday, 2025 调休上班
        (date(2026, 11, 23), True),  # an ordinary Monday
    ],
)
def test_is_working_day_follows_the_official_calendar(day, expected):
    assert is_working_day(day) is expected


# --- 2026 National Day ---------------------------------------------------------


def test_five_working_days_from_30_september_2026_land_after_national_day():
    # 10/8 (1), 10/9 (2), Saturday 10/10 调休 (3), Monday 10/12 (4), 10/13 (5).
    assert add_working_days(date(2026, 9, 30), 5) == date(2026, 10, 13)


def test_the_make_up_saturday_10_october_2026_counts():
    assert add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)
    # ...and the Sunday after it does not.
    assert add_working_days(date(2026, 10, 10), 1) == date(2026, 10, 12)


def test_the_make_up_sunday_20_september_2026_counts():
    # Accepted on Friday 9/18: the next working day is Sunday 9/20, not Monday.
    assert add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)
    assert add_working_days(date(2026, 9, 18), 2) == date(2026, 9, 21)


def test_mid_autumn_friday_2026_is_skipped():
    # Thursday 9/24 + 1: Friday 9/25 is 中秋节, then a weekend.
    assert add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)


def test_ten_working_days_across_national_day_2026():
    # 9/28, 9/29, 9/30, 10/8, 10/9, 10/10, 10/12, 10/13, 10/14, 10/15.
    assert add_working_days(date(2026, 9, 25), 10) == date(2026, 10, 15)


# --- 2026 Spring Festival ------------------------------------------------------


def test_spring_festival_2026_and_its_make_up_saturdays():
    start = date(2026, 2, 13)  # Friday before the holiday
    assert add_working_days(start, 1) == date(2026, 2, 14)  # Saturday 调休
    assert add_working_days(start, 2) == date(2026, 2, 24)  # after 2/15–2/23
    assert add_working_days(start, 5) == date(2026, 2, 27)
    assert add_working_days(start, 6) == date(2026, 2, 28)  # Saturday 调休
    assert add_working_days(start, 7) == date(2026, 3, 2)


# --- 2025 National Day ---------------------------------------------------------


def test_national_day_2025():
    # 10/1–10/8 off; 10/9 (1), 10/10 (2), Saturday 10/11 调休 (3), 10/13 (4).
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert add_working_days(date(2025, 9, 30), 4) == date(2025, 10, 13)
    # Friday 9/26: Sunday 9/28 is a make-up day.
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)


def test_the_start_day_never_counts_even_when_it_is_a_working_day():
    # Monday 2026-11-23 + 1 working day is Tuesday (民法典第二百零一条).
    assert add_working_days(date(2026, 11, 23), 1) == date(2026, 11, 24)
    # Accepted on a holiday: counting still starts on the next day.
    assert add_working_days(date(2026, 10, 1), 1) == date(2026, 10, 8)


def test_zero_working_days_is_the_start_day_itself():
    assert add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_negative_working_days_are_refused_in_chinese():
    with pytest.raises(ValueError, match="工作日天数不能为负数"):
        add_working_days(date(2026, 10, 3), -1)


# --- natural days ------------------------------------------------------------------


def test_natural_days_that_end_on_a_working_day_are_not_moved():
    assert add_natural_days(date(2026, 11, 23), 10) == date(2026, 12, 3)  # a Thursday
    # Ending on the 调休 Saturday 10/10 is ending on a working day.
    assert add_natural_days(date(2026, 9, 30), 10) == date(2026, 10, 10)


def test_natural_days_ending_on_national_day_roll_forward_to_the_next_working_day():
    # 9/30 + 5 = 10/5, a holiday: the period ends on Thursday 10/8 (民法典第二百零三条).
    assert add_natural_days(date(2026, 9, 30), 5) == date(2026, 10, 8)
    # 2025: 9/30 + 7 = 10/7, holiday until 10/8: ends 10/9.
    assert add_natural_days(date(2025, 9, 30), 7) == date(2025, 10, 9)


def test_natural_days_ending_on_a_weekend_roll_forward_to_monday():
    # Monday 11/23 + 5 = Saturday 11/28 → Monday 11/30.
    assert add_natural_days(date(2026, 11, 23), 5) == date(2026, 11, 30)


def test_natural_days_ending_in_spring_festival_roll_past_it():
    # 2/10 + 10 = 2/20, inside 2/15–2/23: ends Tuesday 2/24.
    assert add_natural_days(date(2026, 2, 10), 10) == date(2026, 2, 24)


def test_zero_and_negative_natural_days():
    assert add_natural_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    with pytest.raises(ValueError, match="自然日天数不能为负数"):
        add_natural_days(date(2026, 10, 3), -5)


# --- counting ----------------------------------------------------------------------


def test_count_working_days_excludes_start_and_includes_end():
    # (9/30, 10/15]: 10/8, 10/9, 10/10, 10/12, 10/13, 10/14, 10/15.
    assert count_working_days(date(2026, 9, 30), date(2026, 10, 15)) == 7
    # An ordinary week: Monday to next Monday is 5.
    assert count_working_days(date(2026, 11, 23), date(2026, 11, 30)) == 5
    # The whole of the 2026 National Day holiday has no working day.
    assert count_working_days(date(2026, 9, 30), date(2026, 10, 7)) == 0
    # Spring Festival 2026: (2/13, 2/28] = 2/14, 2/24, 2/25, 2/26, 2/27, 2/28.
    assert count_working_days(date(2026, 2, 13), date(2026, 2, 28)) == 6


def test_count_working_days_is_zero_for_an_empty_or_reversed_range():
    assert count_working_days(date(2026, 10, 8), date(2026, 10, 8)) == 0
    assert count_working_days(date(2026, 10, 15), date(2026, 10, 8)) == 0


# --- due dates -------------------------------------------------------------------


def test_compute_due_date_for_each_kind():
    accepted = date(2026, 9, 30)
    assert compute_due_date(accepted, "instant", None) == accepted
    assert compute_due_date(accepted, "working_days", 5) == date(2026, 10, 13)
    assert compute_due_date(accepted, "natural_days", 5) == date(2026, 10, 8)
    # The catalog's enum members work as they are.
    # 10/8, 10/9, 10/10, 10/12–10/16, 10/19, 10/20.
    assert compute_due_date(accepted, TimeLimitKind.WORKING_DAYS, 10) == date(2026, 10, 20)


def test_compute_due_date_refuses_a_bad_kind_or_missing_days():
    with pytest.raises(ValueError, match="办理时限类型「weeks」无效"):
        compute_due_date(date(2026, 9, 30), "weeks", 2)
    with pytest.raises(ValueError, match="按工作日计算的办理时限必须给出天数"):
        compute_due_date(date(2026, 9, 30), "working_days", None)
    with pytest.raises(ValueError, match="按自然日计算的办理时限必须给出天数"):
        compute_due_date(date(2026, 9, 30), "natural_days", None)


def test_time_limit_kinds_match_the_catalog_schema():
    assert {kind.value for kind in TimeLimitKind} == TIME_LIMIT_KINDS
