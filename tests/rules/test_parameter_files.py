"""The parameter files: strict loading (naming file, parameter and key), "as of" reading, null
ending a parameter, and the system check that refuses a parameter with a gap."""

import textwrap
from datetime import date
from decimal import Decimal as D

import pytest

from yibao.rules import checks
from yibao.rules.parameters import (
    ParameterMissing,
    RulesFileError,
    file_rulebook,
    parse_file,
    regions,
)


def write(tmp_path, body, name="testcity"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


GOOD = """
region: testcity
parameters:
  deductible:
    label: 起付线
    kind: money
    index: [insurance_type]
    series:
      - key: {insurance_type: "310"}
        values:
          - {effective: 2020-01-01, value: 800, demo: true}
          - effective: 2024-07-01
            value: 1000
            reference: {number: 测医保发〔2024〕1号, title: 测试文件, article: 第三条, issued: 2024-06-01}
          - {effective: 2026-01-01, value: null, reference: {number: 测医保发〔2025〕9号, title: 停止文件}}
"""


def test_the_shipped_files_of_the_three_cities_load():
    assert regions() == ["changzhi", "jincheng", "taiyuan"]
    for region in regions():
        assert file_rulebook(region).parameters["deductible"].series


def test_a_value_is_read_as_of_the_care_day_not_the_payment_day(tmp_path):
    book = parse_file(write(tmp_path, GOOD))
    assert book.lookup("deductible", date(2024, 6, 30), insurance_type="310").value == D("800")
    in_force = book.lookup("deductible", date(2024, 7, 1), insurance_type="310")
    assert in_force.value == D("1000") and not in_force.demo
    assert str(in_force.reference) == "《测试文件》 测医保发〔2024〕1号 第三条"


def test_a_null_value_ends_the_parameter(tmp_path):
    book = parse_file(write(tmp_path, GOOD))
    with pytest.raises(ParameterMissing, match="2026-01-01"):
        book.lookup("deductible", date(2026, 1, 1), insurance_type="310")


def test_before_the_first_value_there_is_nothing(tmp_path):
    book = parse_file(write(tmp_path, GOOD))
    with pytest.raises(ParameterMissing):
        book.lookup("deductible", date(2019, 12, 31), insurance_type="310")


def test_an_unknown_key_is_refused_naming_file_parameter_and_key(tmp_path):
    body = GOOD.replace("    kind: money\n", "    kind: money\n    unit: 元\n")
    with pytest.raises(RulesFileError) as exc:
        parse_file(write(tmp_path, body))
    assert "testcity.yaml" in str(exc.value) and "deductible" in str(exc.value) and "unit" in str(exc.value)


def test_a_reference_on_the_parameter_instead_of_a_value_is_refused_as_misplaced(tmp_path):
    body = GOOD.replace("    kind: money\n", "    kind: money\n    reference: {number: X}\n")
    with pytest.raises(RulesFileError) as exc:
        parse_file(write(tmp_path, body))
    message = str(exc.value)
    assert "deductible" in message and "reference" in message and "每个取值" in message


def test_a_demo_marker_on_the_series_is_refused_as_misplaced(tmp_path):
    body = GOOD.replace('      - key: {insurance_type: "310"}\n', '      - key: {insurance_type: "310"}\n        demo: true\n')
    with pytest.raises(RulesFileError, match="deductible.*demo"):
        parse_file(write(tmp_path, body))


def test_a_series_naming_an_undeclared_dimension_is_refused(tmp_path):
    body = GOOD.replace('key: {insurance_type: "310"}', 'key: {insurance_type: "310", hospital_level: 三级}')
    with pytest.raises(RulesFileError, match="hospital_level.*未在 index 中声明"):
        parse_file(write(tmp_path, body))


def test_an_official_value_without_its_document_number_is_refused(tmp_path):
    body = GOOD.replace("reference: {number: 测医保发〔2024〕1号, title: 测试文件, article: 第三条, issued: 2024-06-01}",
                        "note: 忘了写文号")
    with pytest.raises(RulesFileError, match="2024-07-01.*文号"):
        parse_file(write(tmp_path, body))


def test_a_demo_value_with_a_reference_is_refused(tmp_path):
    body = GOOD.replace("{effective: 2020-01-01, value: 800, demo: true}",
                        "{effective: 2020-01-01, value: 800, demo: true, reference: {number: 假文号}}")
    with pytest.raises(RulesFileError, match="示例参数"):
        parse_file(write(tmp_path, body))


def test_dates_out_of_order_are_refused(tmp_path):
    body = GOOD.replace("effective: 2024-07-01", "effective: 2019-07-01")
    with pytest.raises(RulesFileError, match="先后"):
        parse_file(write(tmp_path, body))


def test_a_local_lowering_above_the_national_ceiling_is_refused(tmp_path):
    body = """
    region: testcity
    parameters:
      offsite_unfiled_points:
        label: 未备案降低
        kind: points
        maximum: 20
        series:
          - values: [{effective: 2020-01-01, value: 25, demo: true}]
    """
    with pytest.raises(RulesFileError, match="超过国家规定上限 20"):
        parse_file(write(tmp_path, body))


def test_the_shipped_files_pass_the_system_check():
    assert checks.check_rule_parameters() == []


def test_the_system_check_refuses_a_parameter_read_on_a_day_it_has_no_value():
    # Jincheng's file with the 三级 职工 inpatient deductible ending in 2026: claims can be asked for
    # care from then on, so the check names the parameter, the combination and the day.
    book = file_rulebook("jincheng")
    param = book.parameters["deductible"]
    series = param.find_series({"insurance_type": "310", "med_type": "21", "hospital_level": "三级"})
    from yibao.rules.parameters import Value

    ended = book.with_overlay([("deductible", {d: sorted(v) for d, v in series.key.items()},
                                Value(date(2026, 1, 1), None))])
    found = checks.gaps(ended, since=date(2020, 1, 1))
    assert any("deductible" in g and "三级" in g and "2026-01-01" in g for g in found), found


def test_the_system_check_refuses_a_parameter_that_starts_after_the_first_askable_day():
    found = checks.gaps(file_rulebook("taiyuan"), since=date(2019, 1, 1))
    assert any("deductible" in g and "2019-01-01" in g for g in found)
