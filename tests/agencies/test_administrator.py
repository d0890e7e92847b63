"""The 管理员 role opens the admin site for the holiday table; other roles do not."""

import pytest

from tests.factories import AgencyFactory
from yibao.agencies.services import create_staff, set_staff_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency(catalog):
    from yibao.agencies.models import Region
    return AgencyFactory(region=Region.objects.get(slug="taiyuan"), code="140105", slug="ty-xd")


def test_an_administrator_keeps_the_holiday_table(client, agency):
    admin = create_staff(username="xd-admin", name="管理员甲", agency=agency, roles=["administer"],
                         password="long-enough-1", actor="test")
    client.force_login(admin.user)
    assert client.get("/admin/workdays/holidayoverride/").status_code == 200
    assert client.get("/admin/workdays/holidayoverride/add/").status_code == 200
    assert client.get("/admin/cases/case/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403


def test_other_roles_do_not_enter_the_admin_site_and_losing_the_role_closes_it(client, agency):
    clerk = create_staff(username="xd-accept", name="受理员乙", agency=agency, roles=["accept"],
                         password="long-enough-1", actor="test")
    client.force_login(clerk.user)
    assert client.get("/admin/workdays/holidayoverride/").status_code == 302
    set_staff_roles(staff=clerk, roles=["accept", "administer"], actor="test")
    assert client.get("/admin/workdays/holidayoverride/").status_code == 200
    set_staff_roles(staff=clerk, roles=["accept"], actor="test")
    assert client.get("/admin/workdays/holidayoverride/").status_code == 302
