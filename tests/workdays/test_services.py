"""Writing the holiday table: one day, or the administrator's data file."""

from datetime import date

import pytest
import yaml

from yibao.audit.models import AuditEntry
from yibao.workdays.calendar import is_working_day
from yibao.workdays.models import HolidayOverride
from yibao.workdays.services import (
    DEFAULT_HOLIDAY_FILE,
    HolidayError,
    HolidayFileError,
    load_holiday_file,
    set_holiday,
)

pytestmark = pytest.mark.django_db

GOOD_FILE = """\
# 测试用（并非真实的 2027 年安排）
source: 测试通知〔2099〕1号
days:
  - date: 2027-01-01
    is_working_day: false
    name: 元旦
  - {date: "2027-01-09", is_working_day: true, name: 调休上班, source: 另一通知}
"""

BAD_FILE = """\
days:
  - {date: 2027-01-01, is_working_day: false, name: 元旦}
  - {date: 2027-02-30, is_working_day: false, name: 春节}
  - {date: 2027-02-08, is_working_day: "否", name: 春节}
  - {date: 2027-02-09, is_working_day: false, name: "  "}
  - {date: 2027/02/10, is_working_day: false, name: 春节}
  - {date: 2027-01-01, is_working_day: false, name: 元旦}
  - {is_working_day: false, name: 春节, remark: 多余}
  - 2027-02-11
"""


def audit_rows():
    return AuditEntry.objects.filter(object_type="HolidayOverride")


# --- set_holiday ------------------------------------------------------------------------


def test_set_holiday_creates_then_updates_one_row_with_audit():
    row = set_holiday(day=date(2027, 1, 1), is_working_day=False, name="元旦", source="测试",
                      actor="admin")
    assert (row.date, row.is_working_day, row.name, row.source) == (date(2027, 1, 1), False, "元旦", "测试")
    set_holiday(day=date(2027, 1, 1), is_working_day=False, name="元旦", source="测试", actor="admin")
    assert audit_rows().count() == 1  # unchanged: nothing written
    set_holiday(day=date(2027, 1, 1), is_working_day=True, name="改为上班", source="测试",
                actor="boss")
    assert HolidayOverride.objects.count() == 1
    update = audit_rows().get(action="workdays.holiday.update")
    assert update.actor == "boss"
    assert update.before["is_working_day"] is False and update.after["is_working_day"] is True


def test_set_holiday_defaults_the_source_to_the_administrator():
    row = set_holiday(day=date(2027, 1, 1), is_working_day=False, name="元旦", source="",
                      actor="admin")
    assert row.source == "管理员"


def test_set_holiday_refuses_an_empty_name_and_writes_nothing():
    with pytest.raises(HolidayError, match="名称不能为空"):
        set_holiday(day=date(2027, 1, 1), is_working_day=False, name="  ", source="x", actor="admin")
    assert HolidayOverride.objects.count() == 0 and audit_rows().count() == 0


def test_set_holiday_refuses_a_too_long_name_in_chinese():
    with pytest.raises(HolidayError, match="2027-01-01"):
        set_holiday(day=date(2027, 1, 1), is_working_day=False, name="假" * 51, source="x",
                    actor="admin")
    assert HolidayOverride.objects.count() == 0


# --- the data file ------------------------------------------------------------------------


def test_the_shipped_file_is_valid_and_invents_no_dates():
    data = yaml.safe_load(DEFAULT_HOLIDAY_FILE.read_text(encoding="utf-8"))
    assert data["days"] == []
    result = load_holiday_file(actor="test")
    assert result.total == 0
    assert HolidayOverride.objects.count() == 0


def test_loading_a_good_file_upserts_every_row(write_holidays):
    path = write_holidays(GOOD_FILE)
    result = load_holiday_file(path=path, actor="admin")
    assert (result.total, result.created, result.updated, result.unchanged) == (2, 2, 0, 0)
    rows = {r.date: r for r in HolidayOverride.objects.all()}
    assert rows[date(2027, 1, 1)].source == "测试通知〔2099〕1号"  # the file's default
    assert rows[date(2027, 1, 9)].source == "另一通知"
    assert rows[date(2027, 1, 9)].is_working_day is True
    assert is_working_day(date(2027, 1, 1)) is False
    assert audit_rows().filter(action="workdays.holiday.create").count() == 2


def test_loading_the_same_file_again_changes_nothing(write_holidays):
    path = write_holidays(GOOD_FILE)
    load_holiday_file(path=path, actor="admin")
    audits = audit_rows().count()
    result = load_holiday_file(path=path, actor="admin")
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert HolidayOverride.objects.count() == 2
    assert audit_rows().count() == audits


def test_a_changed_row_is_updated_and_rows_entered_in_the_admin_are_kept(write_holidays):
    set_holiday(day=date(2027, 5, 1), is_working_day=False, name="劳动节", actor="admin")
    load_holiday_file(path=write_holidays(GOOD_FILE), actor="admin")
    result = load_holiday_file(path=write_holidays(GOOD_FILE.replace("name: 元旦", "name: 元旦节")),
                               actor="admin")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert HolidayOverride.objects.get(date=date(2027, 1, 1)).name == "元旦节"
    assert HolidayOverride.objects.filter(date=date(2027, 5, 1)).exists()


def test_a_file_with_bad_rows_reports_every_one_and_applies_nothing(write_holidays):
    with pytest.raises(HolidayFileError) as caught:
        load_holiday_file(path=write_holidays(BAD_FILE), actor="admin")
    message = str(caught.value)
    assert "未载入任何内容" in message
    problems = caught.value.problems
    # Row 1 is fine; rows 2–8 are each reported, with the file line.
    assert not any(p.startswith("第 1 条") for p in problems)
    assert "第 2 条（文件第 3 行）：date（日期）：「2027-02-30」不是有效日期，应为 YYYY-MM-DD" in problems
    assert any(p.startswith("第 3 条（文件第 4 行）：is_working_day（是否上班）：应为 true") for p in problems)
    assert "第 4 条（文件第 5 行）：name（名称）：不能为空" in problems
    assert any(p.startswith("第 5 条（文件第 6 行）：date（日期）：「2027/02/10」不是有效日期") for p in problems)
    assert "第 6 条（文件第 7 行）：日期 2027-01-01 与第 1 条重复" in problems
    assert "第 7 条（文件第 8 行）：date（日期）：缺少此字段" in problems
    assert any(p.startswith("第 7 条（文件第 8 行）：remark：不认识的字段") for p in problems)
    assert any(p.startswith("第 8 条（文件第 9 行）：应为映射") for p in problems)
    # The good first row was not applied either.
    assert HolidayOverride.objects.count() == 0
    assert audit_rows().count() == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("days: [\n", "YAML 格式错误"),
        ("- 2027-01-01\n", "顶层应为映射，并含有列表 days:"),
        ("days: []\nyear: 2027\n", "顶层不认识的键：year"),
    ],
)
def test_a_malformed_file_is_refused(write_holidays, text, expected):
    with pytest.raises(HolidayFileError, match=expected):
        load_holiday_file(path=write_holidays(text), actor="admin")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(HolidayFileError, match="文件不存在"):
        load_holiday_file(path=tmp_path / "nope.yaml", actor="admin")
