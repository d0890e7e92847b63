"""A year without holidays entered: staff are warned ahead, and due dates over it are 暂定."""

import datetime

import pytest

from tests.factories import PersonAccountFactory, StaffFactory, UserFactory
from yibao import clock
from yibao.workdays.calendar import provisional_note, unknown_years, years_missing_soon
from yibao.workdays.models import HolidayOverride

pytestmark = pytest.mark.django_db

BANNER = "2027 年的法定节假日尚未录入"
NOTE = "（暂定：2027 年节假日未录入）"


@pytest.fixture
def page_day(monkeypatch):
    def set_day(day):
        monkeypatch.setattr(clock, "_fixed", clock.at_noon(day))
    return set_day


def enter_2027_holidays():
    HolidayOverride.objects.create(date=datetime.date(2027, 1, 1), is_working_day=False, name="元旦")


def test_a_year_neither_the_table_nor_the_library_knows_is_unknown():
    assert unknown_years(datetime.date(2026, 12, 20), datetime.date(2027, 1, 8)) == [2027]
    assert unknown_years(datetime.date(2026, 9, 1), datetime.date(2026, 10, 9)) == []
    enter_2027_holidays()
    assert unknown_years(datetime.date(2026, 12, 20), datetime.date(2027, 1, 8)) == []


def test_the_warning_looks_sixty_days_ahead():
    assert years_missing_soon(datetime.date(2026, 10, 1)) == []
    assert years_missing_soon(datetime.date(2026, 11, 3)) == [2027]


def test_a_due_date_counted_over_2027_is_marked_provisional():
    assert provisional_note(datetime.date(2026, 12, 20), datetime.date(2027, 1, 18)) == NOTE
    assert provisional_note(datetime.date(2026, 9, 1), datetime.date(2026, 9, 29)) == ""
    enter_2027_holidays()
    assert provisional_note(datetime.date(2026, 12, 20), datetime.date(2027, 1, 18)) == ""


@pytest.mark.parametrize("who", ["clerk", "admin"])
def test_staff_and_administrators_see_the_banner(client, who, page_day):
    page_day(datetime.date(2026, 12, 4))
    user = StaffFactory().user if who == "clerk" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    assert BANNER in client.get("/guides/taiyuan/").content.decode()
    if who == "admin":
        assert BANNER in client.get("/admin/").content.decode()
    enter_2027_holidays()
    assert BANNER not in client.get("/guides/taiyuan/").content.decode()


def test_citizens_and_anonymous_visitors_see_no_banner(client, page_day):
    page_day(datetime.date(2026, 12, 4))
    assert BANNER not in client.get("/guides/taiyuan/").content.decode()
    client.force_login(PersonAccountFactory().user)
    assert BANNER not in client.get("/guides/taiyuan/").content.decode()


def test_the_api_says_when_a_computed_date_is_provisional(client):
    body = client.get("/api/workdays/add", {"start": "2026-12-28", "days": 5}).json()
    assert body["provisional"] == "（暂定：2027 年节假日未录入）"
    assert client.get("/api/workdays/add", {"start": "2026-09-28", "days": 5}).json()["provisional"] == ""
