"""Reference forms 表1–表7 printed from a case page, prefilled from the case (data mapping)."""

import pytest
from django.urls import reverse

from tests.cases.conftest import current_item
from tests.documents.certificates.conftest import CaseFactory, pdf_text
from tests.factories import AgencyFactory, StaffFactory
from yibao.agencies.models import Region
from yibao.cases.handlers import _registry
from yibao.documents.prefill import (
    PrefillError,
    forms_for_case,
    load_prefill,
    parse_prefill,
    prefill_values,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def changzhi_agency(catalog):
    return AgencyFactory(region=Region.objects.get(slug="changzhi"), code="140400", level="city",
                         name="长治市医疗保障事务中心")


def test_the_mapping_file_loads_and_names_registered_handlers(catalog):
    data = load_prefill()
    assert data.forms[:7] == ["表1", "表2", "表3", "表4", "表5", "表6", "表7"]  # later issues add 表10, 表11
    assert set(data.handlers) <= set(_registry)


def test_a_mapping_to_an_unknown_box_is_refused():
    with pytest.raises(PrefillError, match="defaults.表3：表3没有字段 nickname"):
        parse_prefill("forms: [表3]\ndefaults:\n  表3:\n    fields: {nickname: person.name}\n")
    with pytest.raises(PrefillError, match="表8 不在可预填的表单"):
        parse_prefill("forms: [表3]\nhandlers:\n  transfer:\n    表8: {}\n")
    with pytest.raises(PrefillError, match="来源「persn.name」无效"):
        parse_prefill("forms: [表3]\ndefaults:\n  表3:\n    fields: {name: persn.name}\n")
    with pytest.raises(PrefillError, match="没有代码表 colour"):
        parse_prefill("forms: [表3]\ndefaults:\n  表3:\n    fields: {id_type: form.id_type|colour}\n")
    with pytest.raises(PrefillError, match="表格字段用 rows/each"):
        parse_prefill("forms: [表2]\ndefaults:\n  表2:\n    fields: {persons: person.name}\n")


def test_unit_registration_prints_form_1_from_the_form_data(changzhi_agency, coal_login, client):
    case = CaseFactory(
        item=current_item("changzhi", "unit-enrollment"), applicant_kind="unit", applicant_user=coal_login.user,
        applicant_name="长治示例机械有限公司", applicant_id_number=coal_login.uscc, home_agency=changzhi_agency,
        form_data={"unit_name": "长治示例机械有限公司", "unit_type": "企业",
                   "insurance_types": ["职工基本医疗保险", "生育保险", "公务员医疗补助"],
                   "address": "长治市潞州区英雄中路1号", "legal_representative": "孙大成",
                   "contact_name": "钱会计", "contact_phone": "0355-2020202"})
    assert forms_for_case(case) == ["表1"]
    values = prefill_values(case, "表1")
    # 公务员医疗补助 is not on 表1: it ticks 其他.
    assert values["insurance_types"] == ["职工基本医疗保险", "生育保险", "其他(_____)"]
    client.force_login(coal_login.user)
    page = client.get(f"/hall/cases/{case.number}/").content.decode()
    assert reverse("documents:case_form", args=[case.number, "表1"]) in page
    text = pdf_text(client.get(f"/documents/cases/{case.number}/forms/表1.pdf").content)
    assert "基本医疗保险单位参保信息登记表" in text
    assert "▣新参保登记" in text and "长治示例机械有限公司" in text and coal_login.uscc in text
    assert "孙大成" in text and "钱会计" in text and "0355-2020202" in text and "英雄中路1号" in text
    assert "▣职工基本医疗保险▣生育保险□补充医疗保险▣其他(_____)" in text


def test_resident_form_3_is_prefilled_from_the_person_record(changzhi_agency, xiaoming_login, xiaoming):
    case = CaseFactory(item=current_item("changzhi", "resident-enrollment"), applicant_user=xiaoming_login.user,
                       applicant_name="王小明", applicant_id_number=xiaoming.id_number, home_agency=changzhi_agency)
    values = prefill_values(case, "表3")
    assert values["name"] == "王小明" and values["id_number"] == xiaoming.id_number
    assert values["sex"] == "男" and values["birth_date"].isoformat() == "1985-05-05"
    assert values["phone"] == "13912345678"  # the person record has none: the applicant's phone


def test_withdrawal_form_7_names_the_insured_and_the_employer(changzhi_agency, xiaomei_login, xiaomei, client):
    case = CaseFactory(item=current_item("changzhi", "personal-account-withdrawal"),
                       applicant_user=xiaomei_login.user, applicant_name="李晓梅",
                       applicant_id_number=xiaomei.id_number, home_agency=changzhi_agency,
                       agent_name="李大海", agent_id_number=xiaomei.id_number)
    assert forms_for_case(case) == ["表7"]  # 表12 is not one of the prefilled forms
    client.force_login(xiaomei_login.user)
    text = pdf_text(client.get(f"/documents/cases/{case.number}/forms/表7.pdf").content)
    assert "职工基本医疗保险个人账户一次性支取申请表" in text
    assert "李晓梅" in text and xiaomei.id_number in text and "晋城示例煤业有限公司" in text and "李大海" in text


def test_employee_change_form_5_lists_the_person_in_the_table(changzhi_agency, xiaomei_login, xiaomei):
    case = CaseFactory(item=current_item("changzhi", "employee-info-change"), applicant_user=xiaomei_login.user,
                       applicant_name="李晓梅", applicant_id_number=xiaomei.id_number, home_agency=changzhi_agency)
    values = prefill_values(case, "表5")
    assert values["changes"] == [["1", "李晓梅", xiaomei.id_number]]
    assert values["unit_name"] == "晋城示例煤业有限公司"


def test_a_form_the_item_does_not_use_is_404(changzhi_agency, xiaomei_login, xiaomei, client):
    case = CaseFactory(item=current_item("changzhi", "personal-account-withdrawal"),
                       applicant_user=xiaomei_login.user, applicant_name="李晓梅",
                       applicant_id_number=xiaomei.id_number, home_agency=changzhi_agency)
    client.force_login(xiaomei_login.user)
    assert client.get(f"/documents/cases/{case.number}/forms/表1.pdf").status_code == 404
    with pytest.raises(PrefillError, match="不使用表1"):
        prefill_values(case, "表1")


def test_forms_are_for_the_applicant_and_the_agencys_clerks_only(changzhi_agency, xiaomei_login, xiaomei,
                                                                  xiaoming_login, client):
    case = CaseFactory(item=current_item("changzhi", "personal-account-withdrawal"),
                       applicant_user=xiaomei_login.user, applicant_name="李晓梅",
                       applicant_id_number=xiaomei.id_number, home_agency=changzhi_agency)
    url = f"/documents/cases/{case.number}/forms/表7.pdf"
    client.force_login(xiaoming_login.user)
    assert client.get(url).status_code == 404
    clerk = StaffFactory(agency=changzhi_agency, roles=["accept"])
    client.force_login(clerk.user)
    assert client.get(url).status_code == 200
    assert reverse("documents:case_form", args=[case.number, "表7"]) in client.get(
        f"/console/cases/{case.number}/").content.decode()


def test_resident_enrollment_form_data_fills_form_3_with_labels(changzhi_agency, xiaomei_login):
    # A parent applies for a child: the child is named in the form, no record yet.
    case = CaseFactory(item=current_item("changzhi", "resident-enrollment"), applicant_user=xiaomei_login.user,
                       applicant_name="李晓梅", applicant_id_number=xiaomei_login.id_number,
                       home_agency=changzhi_agency,
                       form_data={"name": "李小宝", "id_type": "02", "id_number": "140402201801011234",
                                  "sex": "男", "birth_date": "2018-01-01", "household_registration": "长治市潞州区",
                                  "applicant_identity": ["中小学儿童"], "subsidy_category": [],
                                  "business_type": "新增"})
    values = prefill_values(case, "表3")
    assert values["name"] == "李小宝" and values["id_type"] == "户口簿" and values["sex"] == "男"
    assert values["birth_date"].isoformat() == "2018-01-01" and values["applicant_identity"] == ["中小学儿童"]
    assert values["business_type"] == "新增" and values["household_registration"] == "长治市潞州区"
    assert "subsidy_category" not in values


def test_information_change_lists_each_change_in_form_6(changzhi_agency, xiaoming_login, xiaoming):
    case = CaseFactory(item=current_item("changzhi", "resident-info-change"), applicant_user=xiaoming_login.user,
                       applicant_name="王小明", applicant_id_number=xiaoming.id_number, home_agency=changzhi_agency,
                       form_data={"new_phone": "13700000000",
                                  "changes": [{"item": "联系电话", "before": "13800000001", "after": "13700000000"},
                                              {"item": "居住地址", "after": "长治市上党区"}]})
    assert forms_for_case(case) == ["表6"]
    values = prefill_values(case, "表6")
    assert values["changes"] == [
        ["1", "王小明", xiaoming.id_number, "联系电话", "13800000001", "13700000000"],
        ["2", "王小明", xiaoming.id_number, "居住地址", "", "长治市上党区"],
    ]
    assert values["filler"] == "王小明"


def test_a_value_the_form_cannot_hold_is_refused_not_printed(changzhi_agency, xiaomei_login, xiaomei, client,
                                                             monkeypatch):
    from yibao.documents import prefill

    case = CaseFactory(item=current_item("changzhi", "personal-account-withdrawal"),
                       applicant_user=xiaomei_login.user, applicant_name="李晓梅",
                       applicant_id_number=xiaomei.id_number, home_agency=changzhi_agency)
    monkeypatch.setattr(prefill, "prefill_values", lambda case, number: {"withdrawal_reason": "移民火星"})
    client.force_login(xiaomei_login.user)
    response = client.get(reverse("documents:case_form", args=[case.number, "表7"]))
    assert response.status_code == 400 and "无法预填表7" in response.content.decode()


def test_employee_rows_fill_form_2_with_the_situation_ticked(changzhi_agency, coal, coal_login, client):
    case = CaseFactory(
        item=current_item("changzhi", "employee-enrollment"), applicant_kind="unit", applicant_user=coal_login.user,
        applicant_name=coal.name, applicant_id_number=coal.uscc, home_agency=changzhi_agency,
        situation={"situations": ["暂停"]},
        form_data={"persons": [
            {"line": 1, "id_type": "01", "id_number": "140402199001011234", "name": "赵一", "base": "5000"},
            {"line": 2, "id_type": "90", "id_number": "140402199202021234", "name": "钱二", "base": "6000"}],
            "mobile": "13600000000"})
    values = prefill_values(case, "表2")
    assert values["persons"] == [
        ["1", "赵一", "居民身份证（户口簿）", "140402199001011234", "5000", "", "√", "", "", "", ""],
        ["2", "钱二", "社会保障卡", "140402199202021234", "6000", "", "√", "", "", "", ""],
    ]
    assert values["business_type"] == "暂停" and values["unit_name"] == "晋城示例煤业有限公司"
    assert values["mobile"] == "13600000000"
    client.force_login(coal_login.user)
    text = pdf_text(client.get(reverse("documents:case_form", args=[case.number, "表2"])).content)
    assert "赵一" in text and "钱二" in text and "140402199202021234" in text


def test_unit_change_form_4_has_the_record_before_and_the_form_after(changzhi_agency, coal, coal_login):
    case = CaseFactory(
        item=current_item("changzhi", "unit-info-change"), applicant_kind="unit", applicant_user=coal_login.user,
        applicant_name=coal.name, applicant_id_number=coal.uscc, home_agency=changzhi_agency,
        form_data={"new_unit_name": "晋城示例能源有限公司", "new_address": "晋城市城区凤台街1号", "remark": "更名"})
    values = prefill_values(case, "表4")
    assert values["old_unit_name"] == "晋城示例煤业有限公司" and values["old_address"] == "泽州县金村镇"
    assert values["new_unit_name"] == "晋城示例能源有限公司" and values["new_address"] == "晋城市城区凤台街1号"
    assert values["old_handler_name"] == "赵会计" and values["remark"] == "更名"


def test_withdrawal_form_7_takes_the_heir_and_the_situation(changzhi_agency, xiaomei, xiaoming_login):
    # An heir applies for a deceased insured person.
    case = CaseFactory(
        item=current_item("changzhi", "personal-account-withdrawal"), applicant_user=xiaoming_login.user,
        applicant_name="王小明", applicant_id_number=xiaoming_login.id_number, home_agency=changzhi_agency,
        situation={"situations": ["死亡"]},
        form_data={"insured_name": "李晓梅", "insured_id_number": xiaomei.id_number, "heir_name": "王小明",
                   "heir_relationship": "配偶", "heir_bank": "中国银行晋城分行", "heir_account_number": "6216000000"})
    values = prefill_values(case, "表7")
    assert values["withdrawal_reason"] == "死亡" and values["insured_name"] == "李晓梅"
    assert values["insured_employer"] == "晋城示例煤业有限公司"  # from the insured person's record
    assert values["heir_relationship"] == "配偶" and values["heir_account_number"] == "6216000000"


def test_cancellation_situation_prints_as_the_forms_option(changzhi_agency, coal, coal_login):
    case = CaseFactory(
        item=current_item("changzhi", "unit-enrollment"), applicant_kind="unit", applicant_user=coal_login.user,
        applicant_name=coal.name, applicant_id_number=coal.uscc, home_agency=changzhi_agency,
        situation={"situations": ["注销登记"]}, form_data={})
    values = prefill_values(case, "表1")
    assert values["registration_type"] == "注销登记" and values["unit_name"] == "晋城示例煤业有限公司"
    assert values["insurance_types"] == ["职工基本医疗保险", "生育保险"]


def _form_keys(spec) -> set[str]:
    sources = []
    if hasattr(spec, "rows"):
        sources = [*(c for row in spec.rows for c in row), *spec.row, spec.each]
    else:
        sources = [spec]
    keys = set()
    for source in sources:
        for one in source if isinstance(source, list) else [source]:
            path = one.partition("|")[0]
            if path.startswith("form."):
                keys.add(path.split(".")[1])
    return keys


def test_every_form_field_the_mapping_reads_is_a_field_of_that_handler(catalog):
    data = load_prefill()
    for key, forms in data.handlers.items():
        fields = set(_registry[key].Fields.model_fields)
        for number, mapping in forms.items():
            used = set().union(*(_form_keys(spec) for spec in mapping.fields.values()), _form_keys(
                mapping.person_from) if mapping.person_from else set())
            assert used <= fields, f"{key} {number}: {sorted(used - fields)} 不是处理器的字段"
