"""政策参数 in the console: every parameter's timeline and source; a city administrator adds a dated
value (audited, an overlay on the file), never edits the past; others cannot."""

from datetime import date
from decimal import Decimal as D

import pytest

from tests.factories import AgencyFactory, RegionFactory, StaffFactory
from yibao import clock
from yibao.agencies.models import AgencyLevel
from yibao.audit.models import AuditEntry
from yibao.rules.calculator import Episode, Line, Usage, settle
from yibao.rules.models import ParameterValue
from yibao.rules.selectors import current_rulebook

TODAY = date(2026, 3, 2)


@pytest.fixture
def city_admin(db):
    agency = AgencyFactory(region=RegionFactory(slug="jincheng"), level=AgencyLevel.CITY)
    return StaffFactory(agency=agency, roles=["administer"])


@pytest.fixture
def county_clerk(db):
    agency = AgencyFactory(region=RegionFactory(slug="jincheng"))
    return StaffFactory(agency=agency, roles=["accept", "administer"])


def deductible_series_index(region="jincheng"):
    params = current_rulebook(region).parameters["deductible"]
    return next(i for i, s in enumerate(params.series)
                if s.key.get("hospital_level") == frozenset({"三级"}) and s.key.get("insurance_type") == frozenset({"310"}))


def add(client, index, **fields):
    data = {"effective": "2026-04-01", "value": "1000", "reference_number": "晋市医保发〔2026〕1号",
            "reference_title": "关于调整职工医保住院待遇的通知", "reference_article": "第二条"}
    data.update(fields)
    with clock.override(TODAY):
        return client.post(f"/console/rules/jincheng/deductible/{index}/add/", data, follow=True)


def test_a_clerk_sees_every_parameter_with_its_timeline_and_demo_marker(client, county_clerk):
    client.force_login(county_clerk.user)
    page = client.get("/console/rules/?region=jincheng").content.decode()
    assert "起付线" in page and "住院未办理《转诊转院审批表》的报销比例扣减" in page
    assert "示例参数，须按本地现行文件核定" in page
    assert "国办发〔2015〕30号" in page  # the real aid floor with its source
    assert "<summary>添加取值" not in page  # a county clerk cannot change a region's parameters


def test_a_citizen_cannot_open_the_parameters_page(client, db):
    response = client.get("/console/rules/")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_a_city_administrator_adds_a_dated_value_that_applies_from_its_date(client, city_admin):
    client.force_login(city_admin.user)
    index = deductible_series_index()
    page = add(client, index).content.decode()
    assert "已添加" in page
    row = ParameterValue.objects.get()
    assert (row.effective, row.value, row.created_by) == (date(2026, 4, 1), D("1000"), city_admin.user)
    assert AuditEntry.objects.filter(action="rules.add_parameter_value", object_id=str(row.pk)).exists()
    ep = Episode(region="jincheng", insurance_type="310", person_category="在职", med_type="21",
                 hospital_level="三级", care_date=date(2026, 3, 31))
    lines = [Line("A", "床位", "甲", D("5000"), D(1), D("5000.00"))]
    assert settle(ep, lines, usage=Usage()).deductible == D("900.00")  # the demo value, still
    later = settle(Episode(**{**ep.__dict__, "care_date": date(2026, 4, 1)}), lines, usage=Usage())
    assert later.deductible == D("1000.00")
    step = next(s for s in later.steps if s.parameter == "deductible")
    assert not step.demo and "晋市医保发〔2026〕1号" in step.reference
    # The file value is still there: the past is not edited.
    assert "参数文件" in client.get("/console/rules/?region=jincheng").content.decode()


def test_a_value_dated_before_the_last_one_is_refused(client, city_admin):
    client.force_login(city_admin.user)
    index = deductible_series_index()
    add(client, index)
    page = add(client, index, effective="2026-03-15", value="1100").content.decode()
    assert "施行日期须晚于该项最近一次取值的施行日期 2026-04-01" in page
    assert ParameterValue.objects.count() == 1


def test_an_official_value_cannot_be_back_dated_over_an_official_one(client, city_admin):
    client.force_login(city_admin.user)
    index = deductible_series_index()
    add(client, index)  # official from 2026-04-01
    with clock.override(date(2026, 6, 1)):
        page = client.post(f"/console/rules/jincheng/deductible/{index}/add/",
                           {"effective": "2026-05-01", "value": "1200", "reference_number": "X号",
                            "reference_title": "T"}, follow=True).content.decode()
    assert "施行日期不能早于今天（2026-06-01）" in page
    assert ParameterValue.objects.count() == 1


def test_a_demo_value_may_be_replaced_from_the_official_date_in_the_past(client, city_admin):
    client.force_login(city_admin.user)
    page = add(client, deductible_series_index(), effective="2025-01-01").content.decode()
    assert "已添加" in page


@pytest.mark.parametrize(("fields", "message"), [
    ({"reference_number": ""}, "请填写文号"),
    ({"value": "abc"}, "取值须为数字"),
    ({"value": "12.345"}, "金额须精确到分"),
    ({"value": "NaN"}, "取值须为数字"),
    ({"effective": "2026-13-01"}, "施行日期须为日期"),
])
def test_bad_values_are_refused_naming_the_field(client, city_admin, fields, message):
    client.force_login(city_admin.user)
    page = add(client, deductible_series_index(), **fields).content.decode()
    assert message in page
    assert not ParameterValue.objects.exists()


def test_a_ratio_above_one_and_a_lowering_above_the_national_ceiling_are_refused(client, city_admin):
    client.force_login(city_admin.user)
    with clock.override(TODAY):
        r = client.post("/console/rules/jincheng/offsite_unfiled_points/0/add/",
                        {"effective": "2026-04-01", "value": "25", "reference_number": "X", "reference_title": "T"},
                        follow=True)
    assert "超过国家规定上限 20" in r.content.decode()
    assert not ParameterValue.objects.exists()


def test_a_county_clerk_cannot_add_a_value(client, county_clerk):
    client.force_login(county_clerk.user)
    response = add(client, deductible_series_index())
    assert response.status_code == 403
    assert not ParameterValue.objects.exists()


def test_an_administrator_of_another_region_cannot_add_a_value(client, db):
    other = StaffFactory(agency=AgencyFactory(region=RegionFactory(slug="taiyuan"), level=AgencyLevel.CITY),
                         roles=["administer"])
    client.force_login(other.user)
    assert add(client, deductible_series_index()).status_code == 403


def test_an_unknown_parameter_or_series_is_refused(client, city_admin):
    client.force_login(city_admin.user)
    with clock.override(TODAY):
        r = client.post("/console/rules/jincheng/deductible/999/add/",
                        {"effective": "2026-04-01", "value": "1", "reference_number": "X", "reference_title": "T"},
                        follow=True)
    assert "没有这个参数或适用范围" in r.content.decode()
