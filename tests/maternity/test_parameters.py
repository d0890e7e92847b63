"""Maternity parameters live in the rules app's dated parameter files: one loader, one system
check (rules.E002), one console timeline; a value added in the console is the one used."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from tests.factories import AgencyFactory, RegionFactory, StaffFactory
from yibao import clock
from yibao.agencies.models import AgencyLevel
from yibao.maternity import calculations
from yibao.rules.checks import maternity_gaps
from yibao.rules.parameters import RulesFileError, file_rulebook, parse_file
from yibao.rules.services import InvalidParameterValue, add_parameter_value


@pytest.mark.django_db
def test_the_taiyuan_delivery_amount_comes_from_the_rules_file_labelled_as_demo():
    out = calculations.delivery(region="taiyuan", day=date(2026, 3, 1), event="分娩", delivery_type="顺产",
                                in_policy_cost=Decimal("9000"))
    assert out.amount == Decimal("2500.00")
    assert "示例参数，须按本地现行文件核定" in out.notes


@pytest.mark.django_db
def test_a_value_added_in_the_console_is_the_one_the_maternity_calculation_uses():
    admin = StaffFactory(agency=AgencyFactory(region=RegionFactory(slug="taiyuan"), level=AgencyLevel.CITY),
                         roles=["administer"])
    with clock.override(date(2026, 3, 1)):
        add_parameter_value(staff=admin, region="taiyuan", parameter="delivery_amount_normal", series_index=0,
                            effective=date(2026, 1, 1), value="2800.00", reference_number="并医保发〔2026〕2号",
                            reference_title="测试用生育医疗费定额文件")
    out = calculations.delivery(region="taiyuan", day=date(2026, 3, 1), event="分娩", delivery_type="顺产",
                                in_policy_cost=Decimal("9000"))
    assert out.amount == Decimal("2800.00")
    assert any("并医保发〔2026〕2号" in text for _, text in out.lines)


@pytest.mark.django_db
def test_the_delivery_mode_option_cannot_be_typed_in_the_console_as_a_number():
    admin = StaffFactory(agency=AgencyFactory(region=RegionFactory(slug="changzhi"), level=AgencyLevel.CITY),
                         roles=["administer"])
    with clock.override(date(2026, 3, 1)), pytest.raises(InvalidParameterValue, match="选项类参数"):
        add_parameter_value(staff=admin, region="changzhi", parameter="delivery_mode", series_index=0,
                            effective=date(2026, 4, 1), value="1", reference_number="文号", reference_title="标题")


def test_the_system_check_reports_a_missing_maternity_parameter():
    book = file_rulebook("changzhi")
    assert maternity_gaps(book, since=date(2020, 1, 1)) == []
    parameters = dict(book.parameters)
    del parameters["delivery_cap"]  # the 据实 mode's cap
    gaps = maternity_gaps(replace(book, parameters=parameters, _cache={}), since=date(2020, 1, 1))
    assert gaps == ["changzhi：缺少生育保险参数 delivery_cap"]
    assert maternity_gaps(file_rulebook("jincheng"), since=date(2020, 1, 1)) == []  # no maternity items


def test_an_option_outside_the_choices_is_refused_naming_file_and_parameter(tmp_path):
    path = tmp_path / "taiyuan.yaml"
    path.write_text("""region: taiyuan
parameters:
  delivery_mode:
    label: 生育医疗费支付方式
    kind: choice
    choices: [定额, 据实]
    series:
      - values: [{effective: 2020-01-01, value: 包干, demo: true}]
""", encoding="utf-8")
    with pytest.raises(RulesFileError, match="taiyuan.yaml，参数 delivery_mode.*取值须为 定额、据实 之一"):
        parse_file(path)


def test_the_leave_extension_is_to_confirm_without_a_reference_and_a_text_number_is_refused(tmp_path):
    value = file_rulebook("taiyuan").lookup("leave_days_province_extension", date(2026, 1, 1))
    assert value.to_confirm and not value.demo and value.value == Decimal("60")
    path = tmp_path / "changzhi.yaml"
    path.write_text("""region: changzhi
parameters:
  leave_days_birth:
    label: 产假天数
    kind: days
    series:
      - values: [{effective: 2020-01-01, value: 九十八, demo: true}]
""", encoding="utf-8")
    with pytest.raises(RulesFileError, match="须为数字"):
        parse_file(path)


@pytest.mark.django_db
def test_the_console_timeline_shows_the_maternity_parameters_with_their_labels(client):
    admin = StaffFactory(agency=AgencyFactory(region=RegionFactory(slug="taiyuan"), level=AgencyLevel.CITY),
                         roles=["administer"])
    client.force_login(admin.user)
    page = client.get("/console/rules/", {"region": "taiyuan"}).content.decode()
    assert "生育津贴计发天数除数" in page and "国务院令第619号" in page
    assert "山西省延长生育假天数" in page and "待核实：来源须按现行文件确认" in page
    assert "生育医疗费支付方式" in page and "定额" in page
