"""窗口录入: a clerk enters an application for a walk-in applicant."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import PDF, current_item
from yibao.cases.models import Case, CaseStatus
from yibao.ids import make_resident_id, make_uscc

pytestmark = pytest.mark.django_db

ID = make_resident_id("14052519850312251")


def entry(**extra):
    data = {"item": "inpatient-reimbursement", "applicant_kind": "person", "applicant_id_number": ID,
            "applicant_name": "王建国", "applicant_phone": "13900001111"}
    data.update({f"file_{i}": SimpleUploadedFile(f"{i}.pdf", PDF) for i in range(4)})
    data.update(extra)
    return data


def test_the_entry_form_lists_only_applicable_items_of_the_region(client, staff, catalog):
    client.force_login(staff["zezhou"]["accept"].user)
    html = client.get("/console/new/").content.decode()
    assert 'value="inpatient-reimbursement"' in html
    assert 'value="employee-transfer"' not in html  # a main item (group): apply for a sub-item
    assert "太原" not in html


def test_window_entry_creates_a_window_case(client, staff, windows, reimbursement):
    clerk = staff["gaoping"]["accept"]
    client.force_login(clerk.user)
    response = client.post("/console/new/", entry(window=windows["gaoping"].pk))
    case = Case.objects.get(applicant_id_number=ID)
    assert response.status_code == 302 and response["Location"] == f"/console/cases/{case.number}/"
    assert case.channel == "window" and case.status == CaseStatus.SUBMITTED
    assert case.home_agency.code == "140525"
    assert case.materials.filter(files__isnull=False).distinct().count() == 4
    event = case.events.get(action="submit")
    assert event.window == windows["gaoping"] and event.actor == clerk.user.username
    html = client.get(response["Location"]).content.decode()
    assert "已录入办件" in html and "受理检查" in html


def test_the_situation_changes_the_checklist(client, staff, reimbursement):
    client.force_login(staff["zezhou"]["accept"].user)
    html = client.get("/console/new/checklist/?item=inpatient-reimbursement&applicant_kind=person").content.decode()
    assert "住院病历" in html and "长期居住证明" not in html
    assert 'hx-swap-oob="true"' in html and "异地长期居住" in html
    html = client.get("/console/new/checklist/?item=inpatient-reimbursement&applicant_kind=person"
                      "&situations=异地长期居住").content.decode()
    assert "长期居住证明" in html and 'name="file_5"' in html
    html = client.get("/console/new/checklist/?item=nothing").content.decode()
    assert "请先选择事项" in html


def test_a_situation_entered_at_the_window_is_kept(client, staff, reimbursement):
    client.force_login(staff["zezhou"]["accept"].user)
    client.post("/console/new/", entry(situations="异地长期居住",
                                       file_5=SimpleUploadedFile("居住证明.pdf", PDF)))
    case = Case.objects.get(applicant_id_number=ID)
    assert case.situation["situations"] == ["异地长期居住"]
    assert case.materials.get(position=5).files.count() == 1


@pytest.mark.parametrize("extra,message", [
    ({"item": ""}, "字段 事项"),
    ({"item": "employee-transfer"}, "字段 事项"),
    ({"applicant_kind": "alien"}, "字段 申请人类型"),
    ({"applicant_id_number": "140525198503122510"}, "公民身份号码"),
    ({"applicant_phone": "12"}, "字段 联系电话"),
    ({"applicant_name": ""}, "申请人姓名"),
    ({"situations": "出国定居"}, "没有「出国定居」这一情形"),
    ({"proxy": "1"}, "字段 代办人姓名"),
    ({"window": "999999"}, "字段 窗口"),
    ({"file_0": SimpleUploadedFile("票据.pdf", b"not a pdf")}, "不是 PDF、JPG 或 PNG 文件"),
])
def test_bad_entries_are_refused_naming_the_field(client, staff, reimbursement, extra, message):
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.post("/console/new/", entry(**extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Case.objects.filter(applicant_id_number__startswith="1405251985").exists()


def test_a_unit_application_with_item_fields(client, staff, catalog, agencies):
    item = current_item("jincheng", "unit-enrollment")
    uscc = make_uscc("91140525MA0000001")
    client.force_login(staff["zezhou"]["accept"].user)
    html = client.get("/console/new/checklist/?item=unit-enrollment&applicant_kind=unit").content.decode()
    assert 'name="field_unit_name"' in html and 'name="field_insurance_types"' in html
    assert "单位名称" in html
    data = {"item": item.key, "applicant_kind": "unit", "applicant_id_number": uscc,
            "applicant_name": "泽州县测试有限公司", "applicant_phone": "0356-2020202",
            "field_unit_type": "企业", "field_insurance_types": ["职工基本医疗保险", "生育保险"]}
    response = client.post("/console/new/", data)
    assert response.status_code == 400 and "字段 单位名称：必填" in response.content.decode()
    assert not Case.objects.filter(applicant_id_number=uscc).exists()
    response = client.post("/console/new/", {**data, "field_unit_name": "泽州县测试有限公司"})
    assert response.status_code == 302
    case = Case.objects.get(applicant_id_number=uscc)
    assert case.applicant_kind == "unit" and case.channel == "window"
    assert case.form_data["insurance_types"] == ["职工基本医疗保险", "生育保险"]
    assert case.form_data["unit_name"] == "泽州县测试有限公司"


def test_a_clerk_of_another_region_cannot_enter_a_jincheng_item(client, catalog):
    from tests.factories import AgencyFactory, StaffFactory
    from yibao.agencies.models import Region
    taiyuan = Region.objects.get(slug="taiyuan")
    clerk = StaffFactory(agency=AgencyFactory(region=taiyuan, code="140105", slug="ty-x", name="小店区中心"))
    client.force_login(clerk.user)
    response = client.post("/console/new/", entry())
    assert response.status_code == 400 and "字段 事项" in response.content.decode()
    assert not Case.objects.exists()
