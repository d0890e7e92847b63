"""The data-file schema refuses broken files, naming file, item and field."""

import pytest

from yibao.catalog.files import CatalogFileError, read_city_file


def refusal(write_catalog, data, name=None) -> str:
    with pytest.raises(CatalogFileError) as caught:
        read_city_file(write_catalog(data, name))
    return str(caught.value)


def test_a_valid_minimal_file_is_accepted(write_catalog, minimal_catalog):
    catalog = read_city_file(write_catalog(minimal_catalog)).catalog
    assert [i.key for i in catalog.items] == ["unit-enrollment", "employee-enrollment", "employee-enrollment-new"]


def test_unknown_field_is_refused_with_file_item_and_field(write_catalog, minimal_catalog):
    minimal_catalog["items"][0]["tme_limit"] = "3天"
    message = refusal(write_catalog, minimal_catalog)
    assert "taiyuan.yaml" in message
    assert "事项「单位参保登记」(items[0])" in message
    assert "tme_limit" in message


def test_instant_limit_with_days_is_refused(write_catalog, minimal_catalog):
    minimal_catalog["items"][2]["time_limit"]["days"] = 2
    message = refusal(write_catalog, minimal_catalog)
    assert "职工参保登记（新参）" in message and "time_limit" in message
    assert "即时办结的事项不应填写 days" in message


def test_working_day_limit_without_days_is_refused(write_catalog, minimal_catalog):
    del minimal_catalog["items"][0]["time_limit"]["days"]
    assert "必须填写 days" in refusal(write_catalog, minimal_catalog)


def test_wrong_kind_is_refused(write_catalog, minimal_catalog):
    minimal_catalog["items"][0]["time_limit"]["kind"] = "weeks"
    assert "time_limit.kind" in refusal(write_catalog, minimal_catalog)


def test_unknown_step_is_refused(write_catalog, minimal_catalog):
    minimal_catalog["items"][0]["steps"] = ["申请", "盖章", "办结"]
    message = refusal(write_catalog, minimal_catalog)
    assert "steps" in message and "盖章" in message


def test_steps_must_start_with_application_and_end_with_completion(write_catalog, minimal_catalog):
    minimal_catalog["items"][0]["steps"] = ["受理", "办结"]
    assert "以“申请”开始" in refusal(write_catalog, minimal_catalog)


def test_material_situation_must_be_declared(write_catalog, minimal_catalog):
    minimal_catalog["items"][0]["materials"][1]["conditions"]["situations"] = ["合并"]
    message = refusal(write_catalog, minimal_catalog)
    assert "合并" in message and "situations" in message


def test_unknown_unit_type_is_refused(write_catalog, minimal_catalog):
    minimal_catalog["items"][0]["materials"][1]["conditions"]["unit_types"] = ["公司"]
    message = refusal(write_catalog, minimal_catalog)
    assert "materials.1.conditions.unit_types.0" in message


def test_leaf_without_time_limit_is_refused(write_catalog, minimal_catalog):
    del minimal_catalog["items"][2]["time_limit"]
    assert "必须填写 time_limit 和 steps" in refusal(write_catalog, minimal_catalog)


def test_unknown_parent_is_refused(write_catalog, minimal_catalog):
    minimal_catalog["items"][2]["parent"] = "nobody"
    assert "parent「nobody」不存在" in refusal(write_catalog, minimal_catalog)


def test_parent_must_come_before_its_sub_items(write_catalog, minimal_catalog):
    items = minimal_catalog["items"]
    items[1], items[2] = items[2], items[1]
    assert "应排在其 parent" in refusal(write_catalog, minimal_catalog)


def test_duplicate_key_is_refused(write_catalog, minimal_catalog):
    minimal_catalog["items"][1]["key"] = "unit-enrollment"
    assert "key「unit-enrollment」重复" in refusal(write_catalog, minimal_catalog)


def test_malformed_code_is_refused(write_catalog, minimal_catalog):
    minimal_catalog["items"][0]["code"] = "12345"
    assert "事项编码应为" in refusal(write_catalog, minimal_catalog)


def test_city_must_match_file_name(write_catalog, minimal_catalog):
    assert "应与文件名一致" in refusal(write_catalog, minimal_catalog, name="changzhi")


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "taiyuan.yaml"
    path.write_text("city: taiyuan\nitems:\n  - key: a\n   name: [broken\n", encoding="utf-8")
    with pytest.raises(CatalogFileError) as caught:
        read_city_file(path)
    assert "YAML 格式错误" in str(caught.value) and "行" in str(caught.value)


def test_every_problem_is_reported_at_once(write_catalog, minimal_catalog):
    minimal_catalog["items"][0]["steps"] = ["申请", "盖章", "办结"]
    minimal_catalog["items"][2]["time_limit"]["days"] = 2
    message = refusal(write_catalog, minimal_catalog)
    assert "单位参保登记" in message and "职工参保登记（新参）" in message
