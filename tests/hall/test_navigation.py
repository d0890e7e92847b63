"""Every menu link a user is shown opens a page that user may see.

The menus are the site header (everyone), the hall's line of "my" links (a person, a
unit) and the console header (staff). A link that answers 403 or 404 to the very user it
is shown to is a dead end; these tests follow each one.
"""

import re

import pytest

from tests.enrollment.units.conftest import UnitFactory
from tests.factories import AgencyFactory, UnitAccountFactory
from tests.institutions.conftest import make_institution
from yibao.agencies.models import Region

pytestmark = pytest.mark.django_db

HREF = re.compile(r'href="(/[^"]*)"')


def links_in(html: str, start_marker: str, end_marker: str) -> list[str]:
    start = html.index(start_marker)
    end = html.index(end_marker, start)
    return sorted({href for href in HREF.findall(html[start:end])
                   if not href.startswith(("/static/", "/api/docs"))})


def assert_each_opens(client, links, *, logged_in=True):
    assert links, "no links found where the menu should be"
    for href in links:
        response = client.get(href)
        assert response.status_code in (200, 302), f"{href} answered {response.status_code}"
        if response.status_code == 302 and logged_in:
            assert "/accounts/login/" not in response["Location"], f"{href} asks to log in again"


def test_the_site_header_shows_the_public_services_and_each_opens(client):
    html = client.get("/").content.decode()
    links = links_in(html, '<header class="site">', "</header>")
    for label in ("待遇试算", "定点医药机构", "特药机构查询", "办件进度查询"):
        assert label in html
    assert "经办工作台" not in html[:html.index("</header>")]
    assert_each_opens(client, links, logged_in=False)


def test_a_person_finds_their_qualifications_and_aid_in_the_hall(client, person):
    client.force_login(person.user)
    html = client.get("/hall/").content.decode()
    assert "我的待遇资格" in html and "我的医疗救助" in html
    assert "生育待遇转付" not in html
    assert_each_opens(client, links_in(html, '<p class="muted">', "</p>"))
    assert_each_opens(client, links_in(html, '<header class="site">', "</header>"))


def test_a_unit_finds_what_it_must_pass_on_to_its_employees(client, catalog):
    unit = UnitAccountFactory()
    # An enrolled Taiyuan unit: the 报盘 page refuses (400) a unit without its 参保登记, and
    # only Taiyuan's catalog has the 缴费基数申报 item it files.
    taiyuan = Region.objects.get(slug="taiyuan")
    xiaodian = AgencyFactory(region=taiyuan, code="140105", slug="ty-xiaodian", name="小店区医疗保障服务中心")
    UnitFactory(uscc=unit.uscc, name=unit.name, home_agency=xiaodian)
    client.force_login(unit.user)
    html = client.get("/hall/").content.decode()
    assert "生育待遇转付" in html and "我的待遇资格" not in html
    assert "缴费基数申报" in html
    assert_each_opens(client, links_in(html, '<p class="muted">', "</p>"))


@pytest.mark.parametrize("role", ["accept", "review", "pay", "supervise"])
def test_every_console_menu_entry_opens_for_each_clerk(client, staff, role):
    client.force_login(staff["zezhou"][role].user)
    html = client.get("/console/").content.decode()
    links = links_in(html, '<div class="card console-head">', "</nav>")
    for label in ("待遇资格", "特药目录", "救助资助", "费用结算", "政策参数"):
        assert label in html
    # The fund ledger is for 拨付 and 科长 only: the others are not shown a door they cannot open.
    assert ("基金支付" in html) == (role in ("pay", "supervise"))
    assert_each_opens(client, links)
    header = links_in(html, '<header class="site">', "</header>")
    assert "/hall/" not in header  # the citizens' hall answers a clerk with 403
    assert ("/ledger/" in header) == (role == "supervise")
    assert_each_opens(client, header)
    me = client.get("/accounts/").content.decode()
    assert ("/accounts/activation/" in me) == (role == "accept")


def test_a_unit_of_a_city_without_online_declaration_is_not_offered_it(client, agencies):
    unit = UnitAccountFactory()
    UnitFactory(uscc=unit.uscc, name=unit.name, home_agency=agencies["zezhou"])  # Jincheng
    client.force_login(unit.user)
    html = client.get("/hall/").content.decode()
    assert "缴费基数申报" not in html
    assert_each_opens(client, links_in(html, '<p class="muted">', "</p>"))


def test_an_institution_finds_its_designation_and_no_citizen_only_entries(client, catalog):
    changzhi = Region.objects.get(slug="changzhi")
    AgencyFactory(region=changzhi, code="140400", slug="cz-city", level="city", name="长治市医疗保险管理服务中心")
    hospital = make_institution(changzhi, "hospital")
    client.force_login(hospital.account.user)
    html = client.get("/hall/").content.decode()
    header = links_in(html, '<header class="site">', "</header>")
    assert "/hall/" in header and "/offsite/" not in header  # 异地就医备案 is for persons and units
    assert "本机构定点信息" in html and "/settlement/" in html
    assert_each_opens(client, header + links_in(html, '<p class="muted">', "</p>"))
