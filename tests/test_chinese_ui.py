"""No English left where people look: admin headings, the navigation by role (issue 9 §5)."""

import re

import pytest

from tests.factories import PersonAccountFactory, StaffFactory, UnitAccountFactory, UserFactory

pytestmark = pytest.mark.django_db

STAFF_LINKS = ('href="/console/"', 'href="/ledger/"')
ADMIN_LINK = 'href="/admin/"'


def nav(client):
    page = client.get("/guides/taiyuan/").content.decode()
    return page.split("</header>")[0]


def test_every_admin_heading_is_chinese(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get("/admin/").content.decode()
    headings = re.findall(r'class="section" title="[^"]*">([^<]+)</a>', page)
    assert len(headings) >= 10
    english = [h for h in headings if re.search(r"[A-Za-z]", h)]
    assert english == []


@pytest.mark.parametrize("who", ["anonymous", "person", "unit"])
def test_citizens_and_units_see_no_staff_or_admin_links(client, who):
    if who == "person":
        client.force_login(PersonAccountFactory().user)
    elif who == "unit":
        client.force_login(UnitAccountFactory().user)
    header = nav(client)
    for link in STAFF_LINKS + (ADMIN_LINK,):
        assert link not in header
    assert 'href="/hall/"' in header


def test_a_section_chief_sees_the_console_and_ledger_but_not_the_admin(client):
    client.force_login(StaffFactory(roles=["supervise"]).user)
    header = nav(client)
    assert all(link in header for link in STAFF_LINKS) and ADMIN_LINK not in header


def test_a_window_clerk_sees_the_console_but_not_the_ledger_it_may_not_open(client):
    client.force_login(StaffFactory(roles=["accept"]).user)
    header = nav(client)
    assert "经办工作台" in header and "台账" not in header and ADMIN_LINK not in header


def test_an_administrator_sees_the_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert ADMIN_LINK in nav(client)
