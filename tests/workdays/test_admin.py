"""The holiday table in the Django admin goes through the service (audited, cache dropped)."""

from datetime import date

import pytest

from yibao.audit.models import AuditEntry
from yibao.workdays.calendar import is_working_day
from yibao.workdays.models import HolidayOverride
from yibao.workdays.services import set_holiday

pytestmark = pytest.mark.django_db


def test_the_changelist_shows_the_rows_in_chinese(admin_client):
    set_holiday(day=date(2027, 1, 1), is_working_day=False, name="元旦", source="测试", actor="admin")
    response = admin_client.get("/admin/workdays/holidayoverride/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "节假日调整" in page and "元旦" in page and "星期五" in page


def test_adding_a_day_in_the_admin_is_audited_and_used_at_once(admin_client):
    assert is_working_day(date(2027, 1, 1)) is True  # cache warm, weekday fallback
    response = admin_client.post(
        "/admin/workdays/holidayoverride/add/",
        {"date": "2027-01-01", "name": "元旦", "source": "测试通知"},  # is_working_day unticked
    )
    assert response.status_code == 302
    row = HolidayOverride.objects.get(date=date(2027, 1, 1))
    assert row.is_working_day is False
    assert is_working_day(date(2027, 1, 1)) is False
    audit = AuditEntry.objects.get(object_type="HolidayOverride")
    assert (audit.action, audit.actor) == ("workdays.holiday.create", "admin")


def test_deleting_a_day_in_the_admin_is_audited(admin_client):
    row = set_holiday(day=date(2027, 1, 1), is_working_day=False, name="元旦", actor="admin")
    response = admin_client.post(f"/admin/workdays/holidayoverride/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not HolidayOverride.objects.exists()
    assert AuditEntry.objects.filter(action="workdays.holiday.delete", object_id="2027-01-01").exists()
