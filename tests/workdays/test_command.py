"""manage.py workdays add|count|load: the answer on the last line, Chinese errors for bad input."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from yibao.workdays.models import HolidayOverride

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("workdays", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_add_prints_the_date_on_the_last_line():
    lines = run("add", "2026-09-30", "5")
    assert lines[-1] == "2026-10-13"
    assert "当日不计" in lines[0]


def test_add_natural_days_rolls_past_the_holiday():
    assert run("add", "2026-09-30", "5", "--natural")[-1] == "2026-10-08"
    assert run("add", "2026-11-23", "10", "--natural")[-1] == "2026-12-03"


def test_add_zero_days_prints_the_start():
    assert run("add", "2026-10-03", "0")[-1] == "2026-10-03"


def test_count_prints_the_number_on_the_last_line():
    assert run("count", "2026-09-30", "2026-10-15")[-1] == "7"
    assert run("count", "2026-10-15", "2026-09-30")[-1] == "0"


def test_load_prints_how_many_rows_were_loaded(write_holidays):
    path = write_holidays(
        "days:\n"
        "  - {date: 2027-01-01, is_working_day: false, name: 元旦, source: 测试}\n"
        "  - {date: 2027-01-09, is_working_day: true, name: 调休上班, source: 测试}\n"
    )
    assert run("load", "--file", str(path))[-1] == "已载入 2 条"
    assert HolidayOverride.objects.count() == 2
    assert run("add", "2026-12-31", "1")[-1] == "2027-01-04"


def test_load_without_a_file_uses_the_shipped_empty_file():
    assert run("load")[-1] == "已载入 0 条"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "2026-13-01", "5"), "起始日期参数「2026-13-01」无效，应为 YYYY-MM-DD"),
        (("add", "明天", "5"), "起始日期参数「明天」无效，应为 YYYY-MM-DD"),
        (("add", "20260930", "5"), "起始日期参数「20260930」无效，应为 YYYY-MM-DD"),
        (("add", "2026-09-30", "-3"), "天数参数「-3」无效，应为不小于 0 的整数"),
        (("add", "2026-09-30", "五"), "天数参数「五」无效，应为不小于 0 的整数"),
        (("count", "2026-09-30", "2026-02-30"), "结束日期参数「2026-02-30」无效，应为 YYYY-MM-DD"),
    ],
)
def test_bad_input_is_a_command_error_naming_the_argument(args, message):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert str(caught.value) == message


def test_loading_a_bad_file_is_a_command_error_listing_the_rows(write_holidays):
    path = write_holidays(
        "days:\n"
        "  - {date: 2027-01-01, is_working_day: false, name: 元旦}\n"
        "  - {date: 2027-02-30, is_working_day: false, name: 春节}\n"
    )
    with pytest.raises(CommandError, match="第 2 条（文件第 3 行）：date（日期）：「2027-02-30」不是有效日期"):
        run("load", "--file", str(path))
    assert HolidayOverride.objects.count() == 0
