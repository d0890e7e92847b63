import pytest
from django.contrib.auth import get_user_model

from yibao.agencies import selectors
from yibao.agencies.models import Agency, AgencyLevel, Region, Role, StaffMember, Window
from yibao.agencies.services import (
    DEMO_PASSWORD,
    AgencyError,
    load_demo_agencies,
    read_agencies_file,
)
from yibao.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

REAL_COUNTIES = {
    "taiyuan": {"140105": "小店区", "140106": "迎泽区", "140107": "杏花岭区", "140108": "尖草坪区",
                "140109": "万柏林区", "140110": "晋源区", "140181": "古交市", "140121": "清徐县",
                "140122": "阳曲县", "140123": "娄烦县"},
    "changzhi": {"140403": "潞州区", "140404": "上党区", "140405": "屯留区", "140406": "潞城区",
                 "140423": "襄垣县", "140425": "平顺县", "140426": "黎城县", "140427": "壶关县",
                 "140428": "长子县", "140429": "武乡县", "140430": "沁县", "140431": "沁源县"},
    "jincheng": {"140502": "城区", "140525": "泽州县", "140581": "高平市", "140522": "阳城县",
                 "140524": "陵川县", "140521": "沁水县"},
}


def test_the_loader_creates_each_city_and_its_real_county_agencies():
    result = load_demo_agencies(actor="test")
    for slug, counties in REAL_COUNTIES.items():
        agencies = {a.code: a for a in Agency.objects.filter(region__slug=slug,
                                                              level=AgencyLevel.COUNTY)}
        assert {code: a.district for code, a in agencies.items()} == counties
        for agency in agencies.values():
            assert agency.name.endswith(f"{agency.district}医疗保障服务中心")
            assert agency.windows.count() >= 2
    assert selectors.city_agency("taiyuan").name == "太原市医疗保险管理服务中心"
    assert selectors.city_agency("changzhi").name == "长治市医疗保障事务中心"
    assert selectors.city_agency("jincheng").name == "晋城市医疗保险事务中心"
    assert result.agencies_created == 3 + 10 + 12 + 6


def test_the_three_regions_have_their_codes():
    load_demo_agencies(actor="test")
    assert dict(Region.objects.filter(slug__in=REAL_COUNTIES).values_list("slug", "code")) == {
        "taiyuan": "140100", "changzhi": "140400", "jincheng": "140500"}
    assert Region.objects.get(slug="changzhi").name == "长治市"


def test_a_missing_region_is_created(tmp_path):
    # The test database already holds the three cities (the catalog creates
    # them), so a fourth region in a file of its own shows the creation.
    path = tmp_path / "agencies.yaml"
    path.write_text(
        "default_windows:\n  - {number: '01', name: 综合窗口}\n"
        "regions:\n  - {slug: testcity, name: 测试市, code: '159900', prefix: tc, agencies: [\n"
        "      {code: '159900', slug: tc-city, name: 测试市医疗保障经办机构, level: city,"
        " district: 测试市}]}\n",
        encoding="utf-8",
    )
    result = load_demo_agencies(actor="test", path=path)
    assert result.regions_created == 1
    region = Region.objects.get(slug="testcity")
    assert (region.code, region.name) == ("159900", "测试市")
    assert list(region.agencies.values_list("name", flat=True)) == ["测试市医疗保障经办机构"]
    assert load_demo_agencies(actor="test", path=path).regions_created == 0


def test_taiyuan_city_windows_come_from_the_guide():
    load_demo_agencies(actor="test")
    city = selectors.city_agency("taiyuan")
    windows = dict(selectors.windows_of(city).values_list("number", "name"))
    assert [n for n, name in windows.items() if name == "参保征缴综合窗口"] == [
        f"A0{i}" for i in range(1, 9)]
    assert windows["A30"] == "待遇服务科窗口"


def test_the_loader_is_idempotent():
    first = load_demo_agencies(actor="test")
    counts = (Region.objects.count(), Agency.objects.count(), Window.objects.count(),
              StaffMember.objects.count(), get_user_model().objects.count())
    audits = AuditEntry.objects.count()
    second = load_demo_agencies(actor="test")
    assert (Region.objects.count(), Agency.objects.count(), Window.objects.count(),
            StaffMember.objects.count(), get_user_model().objects.count()) == counts
    assert AuditEntry.objects.count() == audits
    assert (second.agencies_created, second.windows_created, second.staff_created) == (0, 0, 0)
    assert second.logins == first.logins


def test_demo_staff_one_per_role_for_the_city_and_two_counties_of_each_city():
    result = load_demo_agencies(actor="test")
    assert result.staff_created == 9 * len(Role)
    staff = StaffMember.objects.get(user__username="ty-xiaodian-accept")
    assert staff.agency.district == "小店区"
    assert staff.default_window is not None and staff.default_window.agency == staff.agency
    assert selectors.staff_can(staff, Role.ACCEPT)
    assert not selectors.staff_can(staff, Role.REVIEW)
    assert staff.user.check_password(DEMO_PASSWORD)
    usernames = {login.login for login in result.logins}
    for username in ("ty-city-administer", "cz-luzhou-second-review", "jc-zezhou-pay",
                     "jc-city-supervise", "cz-shangdang-review"):
        assert username in usernames
    assert all(login.password == DEMO_PASSWORD for login in result.logins)


def test_the_loader_writes_audit_rows():
    load_demo_agencies(actor="demo")
    assert AuditEntry.objects.filter(actor="demo", action="agencies.agency.create").count() == 31
    assert AuditEntry.objects.filter(actor="demo", action="agencies.staff.create").count() == 54


def test_a_changed_agency_name_in_the_file_is_brought_in_line(tmp_path):
    load_demo_agencies(actor="test")
    Agency.objects.filter(code="140105").update(name="旧名称")
    load_demo_agencies(actor="test")
    assert Agency.objects.get(code="140105").name == "小店区医疗保障服务中心"
    assert AuditEntry.objects.filter(action="agencies.agency.update", object_id="140105",
                                     before__name="旧名称").exists()


def test_a_broken_data_file_is_refused_naming_the_field(tmp_path):
    bad = tmp_path / "agencies.yaml"
    bad.write_text("default_windows: []\nregions:\n  - slug: x\n    name: X\n    code: '12'\n"
                   "    prefix: x\n    agencies: []\n", encoding="utf-8")
    with pytest.raises(AgencyError, match="字段 regions.0.code 无效"):
        load_demo_agencies(actor="test", path=bad)
    assert not Region.objects.filter(slug="x").exists()


def test_the_data_file_marks_county_names_as_demo_data():
    text = (read_agencies_file.__globals__["DATA_FILE"]).read_text(encoding="utf-8")
    assert "演示数据" in text.splitlines()[0]
