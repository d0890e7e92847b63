"""The online service hall: applying, following, supplementing and withdrawing a case."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from tests.cases.conftest import PDF, PNG
from tests.factories import PersonAccountFactory, StaffFactory, UnitAccountFactory
from yibao.cases.models import Case, CaseFile, CaseStatus
from yibao.cases.services import Upload, accept_case, advance_case, issue_notice, submit_case
from yibao.ids import make_resident_id, mask_resident_id

pytestmark = pytest.mark.django_db

APPLY = "/hall/apply/jincheng/inpatient-reimbursement/"


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(content: bytes) -> str:
    return squeeze("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages))


def scan(name="scan.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def applied(item, person, uploads=None):
    """A case filed through the services, as if from the hall."""
    return submit_case(
        item=item, applicant_kind="person", applicant_user=person.user, applicant_name=person.name,
        applicant_id_number=person.id_number, applicant_phone=person.phone, channel="online_hall",
        uploads=uploads if uploads is not None else {0: [Upload("票据.pdf", PDF)], 1: [Upload("清单.png", PNG)]},
    )


@pytest.fixture
def stranger():
    return PersonAccountFactory(id_number=make_resident_id("14052519850505432"), name="王大山",
                                phone="13800000001")


# --- access --------------------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_the_person_login(client):
    response = client.get("/hall/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?kind=person&next=")
    assert response["Location"].endswith("next=/hall/")


def test_staff_get_a_chinese_403_pointing_to_the_console(client, staff):
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.get("/hall/")
    assert response.status_code == 403
    assert "/console/" in response.content.decode() and "经办工作台" in response.content.decode()


def test_the_hall_lists_only_my_cases_newest_first(client, reimbursement, person, stranger):
    first = applied(reimbursement, person)
    second = applied(reimbursement, person)
    other = applied(reimbursement, stranger)
    client.force_login(person.user)
    page = client.get("/hall/").content.decode()
    assert page.index(second.number) < page.index(first.number)
    assert other.number not in page
    assert reimbursement.name in page and "待受理" in page


# --- applying ------------------------------------------------------------------------------

def test_the_apply_form_shows_the_checklist_before_submission(client, reimbursement, person):
    client.force_login(person.user)
    page = client.get(APPLY).content.decode()
    assert "医院收费票据" in page and "社保卡(复印件)" in page
    assert 'name="material_0"' in page and 'name="applicant_phone"' in page
    assert person.phone in page
    assert "长期居住证明" not in page  # only with the 异地长期居住 situation
    assert 'hx-get="/hall/apply/jincheng/inpatient-reimbursement/checklist/"' in page
    assert person.id_number not in page and mask_resident_id(person.id_number) in page


def test_the_checklist_partial_follows_the_situation(client, reimbursement, person):
    client.force_login(person.user)
    url = APPLY + "checklist/"
    plain = client.get(url).content.decode()
    assert "长期居住证明" not in plain and "医院收费票据" in plain
    living_away = client.get(url, {"situations": "异地长期居住"}).content.decode()
    assert "长期居住证明" in living_away and 'name="material_5"' in living_away


def test_the_checklist_partial_refuses_an_unknown_situation(client, reimbursement, person):
    client.force_login(person.user)
    response = client.get(APPLY + "checklist/", {"situations": "出国旅游"})
    assert response.status_code == 400
    assert "办理情形" in response.content.decode() and "出国旅游" in response.content.decode()


def test_applying_with_uploads_files_the_case(client, reimbursement, person, agencies):
    client.force_login(person.user)
    response = client.post(APPLY, {
        "applicant_phone": "13700001111",
        "situations": "异地长期居住",
        "material_0": [scan("票据1.pdf"), scan("票据2.pdf", PDF + b"2")],
        "material_1": scan("清单.png", PNG, "image/png"),
        "material_5": scan("居住证明.pdf"),
    }, follow=True)
    case = Case.objects.get()
    assert response.redirect_chain[-1][0] == f"/hall/cases/{case.number}/"
    page = response.content.decode()
    assert f"申请已提交，办件编号：{case.number}" in page
    assert case.channel == "online_hall" and case.applicant_user == person.user
    assert case.applicant_name == person.name and case.applicant_phone == "13700001111"
    assert case.situation["situations"] == ["异地长期居住"]
    assert case.home_agency == agencies["zezhou"]
    files = {m.position: m.files.count() for m in case.materials.all()}
    assert files == {0: 2, 1: 1, 2: 0, 3: 0, 4: 0, 5: 1}


def test_a_bad_upload_is_refused_and_nothing_is_created(client, reimbursement, person):
    client.force_login(person.user)
    response = client.post(APPLY, {
        "applicant_phone": person.phone,
        "material_0": scan("票据.pdf"),
        "material_1": scan("病毒.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"),
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "住院费用汇总清单" in page and "病毒.pdf" in page and "不是 PDF、JPG 或 PNG 文件" in page
    assert Case.objects.count() == 0 and CaseFile.objects.count() == 0


def test_a_bad_phone_is_refused_with_the_field_named(client, reimbursement, person):
    client.force_login(person.user)
    response = client.post(APPLY, {"applicant_phone": "12345", "material_0": scan()})
    assert response.status_code == 400
    assert "字段 联系电话" in response.content.decode()
    assert Case.objects.count() == 0


def test_a_proxy_needs_the_agent(client, reimbursement, person):
    client.force_login(person.user)
    response = client.post(APPLY, {"applicant_phone": person.phone, "proxy": "1", "agent_name": ""})
    assert response.status_code == 400
    assert "代办人姓名" in response.content.decode()
    assert Case.objects.count() == 0
    agent = make_resident_id("14052519800303222")
    response = client.post(APPLY, {"applicant_phone": person.phone, "proxy": "1", "agent_name": "张三",
                                   "agent_id_number": agent})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.agent_name == "张三" and case.agent_id_number == agent and case.situation["proxy"] is True


def test_a_group_item_asks_for_a_sub_item(client, catalog, person):
    client.force_login(person.user)
    response = client.get("/hall/apply/jincheng/employee-transfer/")
    assert response.status_code == 400
    assert "请选择具体子项" in response.content.decode()
    assert "/hall/apply/jincheng/transfer-out/" in response.content.decode()


def test_an_unknown_item_is_404(client, catalog, person):
    client.force_login(person.user)
    assert client.get("/hall/apply/jincheng/no-such-item/").status_code == 404
    assert client.get("/hall/apply/atlantis/inpatient-reimbursement/").status_code == 404


def test_the_guide_page_links_to_the_online_application(client, catalog):
    page = client.get("/guides/jincheng/inpatient-reimbursement/").content.decode()
    assert 'href="/hall/apply/jincheng/inpatient-reimbursement/"' in page
    group = client.get("/guides/jincheng/employee-transfer/").content.decode()
    assert "/hall/apply/" not in group


# --- a unit with item fields ----------------------------------------------------------------

@pytest.fixture
def unit():
    return UnitAccountFactory(name="晋城市测试机械有限公司")


def test_a_unit_registers_with_its_fields(client, catalog, agencies, unit):
    client.force_login(unit.user)
    url = "/hall/apply/jincheng/unit-enrollment/"
    page = client.get(url).content.decode()
    assert "单位类型" in page and 'name="field_unit_name"' in page
    assert 'name="field_insurance_types" value="生育保险"' in page
    response = client.post(url, {
        "applicant_phone": "0356-2345678", "unit_type": "企业",
        "field_unit_name": "晋城市测试机械有限公司", "field_unit_type": "企业",
        "field_insurance_types": ["职工基本医疗保险", "生育保险"],
        "material_0": scan("信用代码证.pdf"),
    })
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.applicant_kind == "unit" and case.applicant_id_number == unit.uscc
    assert case.applicant_name == unit.name and case.situation["unit_type"] == "企业"
    assert case.form_data["unit_name"] == "晋城市测试机械有限公司"
    assert case.form_data["insurance_types"] == ["职工基本医疗保险", "生育保险"]


def test_a_unit_missing_a_required_field_is_told_which(client, catalog, agencies, unit):
    client.force_login(unit.user)
    response = client.post("/hall/apply/jincheng/unit-enrollment/", {
        "applicant_phone": "0356-2345678", "field_unit_name": "晋城市测试机械有限公司",
        "field_unit_type": "企业",
    })
    assert response.status_code == 400
    page = response.content.decode()
    assert "字段 参保险种：请至少选择一项" in page
    assert 'value="晋城市测试机械有限公司"' in page  # what was typed is shown back
    assert Case.objects.count() == 0


def test_a_person_cannot_pick_a_unit_type(client, reimbursement, person):
    client.force_login(person.user)
    response = client.post(APPLY, {"applicant_phone": person.phone, "unit_type": "企业"})
    assert response.status_code == 400
    assert "字段 单位类型" in response.content.decode()
    assert Case.objects.count() == 0


# --- my case ---------------------------------------------------------------------------------

def test_another_person_cannot_see_my_case(client, reimbursement, person, stranger):
    case = applied(reimbursement, person)
    client.force_login(stranger.user)
    assert client.get(f"/hall/cases/{case.number}/").status_code == 404
    assert client.get(f"/hall/cases/{case.number}/receipt.pdf").status_code == 404
    assert client.post(f"/hall/cases/{case.number}/withdraw/").status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_the_case_page_shows_history_without_staff_usernames(client, reimbursement, person, staff, windows):
    case = applied(reimbursement, person, uploads={p: [Upload("a.pdf", PDF)] for p in range(4)})
    clerk = staff["gaoping"]["accept"]
    accept_case(case=case, staff=clerk, window=windows["gaoping"], opinion="材料齐全")
    client.force_login(person.user)
    page = client.get(f"/hall/cases/{case.number}/").content.decode()
    assert "已受理" in page and "提交申请" in page and "材料齐全" in page
    assert "高平市医疗保障服务中心" in page
    assert clerk.user.username not in page and person.user.username not in page
    assert "撤回申请" not in page and "评价" not in page


def test_withdrawing_before_acceptance(client, reimbursement, person):
    case = applied(reimbursement, person)
    client.force_login(person.user)
    assert "撤回申请" in client.get(f"/hall/cases/{case.number}/").content.decode()
    response = client.post(f"/hall/cases/{case.number}/withdraw/", {"reason": "不办了"}, follow=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    assert "已撤回" in response.content.decode()
    again = client.post(f"/hall/cases/{case.number}/withdraw/")
    assert again.status_code == 403 and "不能撤回" in again.content.decode()


def test_resubmitting_after_a_notice(client, reimbursement, person, staff):
    case = applied(reimbursement, person)
    issue_notice(case=case, staff=staff["zezhou"]["accept"],
                 problems={2: "缺少住院病历复印件", 3: "社保卡复印件不清晰"}, defective={3})
    client.force_login(person.user)
    page = client.get(f"/hall/cases/{case.number}/").content.decode()
    assert "待补正" in page and "补正材料" in page and "社保卡复印件不清晰" in page
    assert 'name="material_2"' in page and 'name="material_3"' in page and 'name="material_0"' not in page
    assert f"/hall/cases/{case.number}/notices/{case.number}-1.pdf" in page

    half = client.post(f"/hall/cases/{case.number}/resubmit/", {"material_2": scan("病历.pdf")})
    assert half.status_code == 400 and "以下材料尚未补正：社保卡(复印件)" in half.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENTING and case.materials.get(position=2).files.count() == 0

    response = client.post(f"/hall/cases/{case.number}/resubmit/", {
        "material_2": scan("病历.pdf"), "material_3": scan("社保卡.png", PNG, "image/png")})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert case.events.filter(action="resubmit").exists()


def test_a_completed_case_links_to_the_evaluation(client, reimbursement, person, staff):
    case = applied(reimbursement, person, uploads={p: [Upload("a.pdf", PDF)] for p in range(4)})
    zezhou = staff["zezhou"]
    case = accept_case(case=case, staff=zezhou["accept"])
    case = advance_case(case=case, staff=zezhou["review"], action="review", opinion="同意")
    case = advance_case(case=case, staff=zezhou["pay"], action="pay", opinion="已拨付")
    advance_case(case=case, staff=zezhou["pay"], action="complete", opinion="办结")
    client.force_login(person.user)
    page = client.get(f"/hall/cases/{case.number}/").content.decode()
    assert "已办结" in page and f'href="/evaluations/rate/{case.number}/"' in page


# --- PDFs over the web -------------------------------------------------------------------------

def test_the_receipt_is_served_to_the_applicant_and_the_clerks_of_the_case(
        client, reimbursement, person, staff, jincheng):
    case = applied(reimbursement, person)
    client.force_login(person.user)
    response = client.get(f"/hall/cases/{case.number}/receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert case.number in text and "申请回执" in text

    client.force_login(staff["zezhou"]["review"].user)
    assert client.get(f"/hall/cases/{case.number}/receipt.pdf").status_code == 200
    outsider = StaffFactory(roles=["accept", "review"])  # an agency of another region
    client.force_login(outsider.user)
    assert client.get(f"/hall/cases/{case.number}/receipt.pdf").status_code == 404


def test_the_notice_pdf_is_served_to_the_applicant_only_for_their_case(
        client, reimbursement, person, stranger, staff):
    case = applied(reimbursement, person)
    notice = issue_notice(case=case, staff=staff["zezhou"]["accept"], problems={2: "缺少住院病历复印件"})
    url = f"/hall/cases/{case.number}/notices/{notice.number}.pdf"
    client.force_login(person.user)
    response = client.get(url)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert notice.number in text and "一次性告知书" in text and "缺少住院病历复印件" in text
    assert client.get(f"/hall/cases/{case.number}/notices/{case.number}-9.pdf").status_code == 404
    client.force_login(stranger.user)
    assert client.get(url).status_code == 404
    client.force_login(staff["gaoping"]["accept"].user)  # 通办: another county may accept it
    assert client.get(url).status_code == 200


def test_anonymous_pdf_requests_go_to_the_login(client, reimbursement, person):
    case = applied(reimbursement, person)
    response = client.get(f"/hall/cases/{case.number}/receipt.pdf")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- public progress -----------------------------------------------------------------------------

def test_public_progress_shows_the_status_and_nothing_personal(client, reimbursement, person, staff):
    case = applied(reimbursement, person)
    issue_notice(case=case, staff=staff["zezhou"]["accept"], problems={2: "缺少住院病历复印件"})
    response = client.post("/hall/progress/", {"number": case.number, "phone": person.phone})
    assert response.status_code == 200
    page = response.content.decode()
    assert "待补正" in page and "一次性告知" in page and reimbursement.name in page
    assert person.name not in page
    assert person.id_number not in page and mask_resident_id(person.id_number) not in page
    assert staff["zezhou"]["accept"].user.username not in page
    assert "泽州县医疗保障服务中心" not in page


def test_public_progress_gives_one_answer_for_a_wrong_phone_or_number(client, reimbursement, person):
    case = applied(reimbursement, person)
    wrong_phone = client.post("/hall/progress/", {"number": case.number, "phone": "13000000000"})
    wrong_number = client.post("/hall/progress/", {"number": case.number[:-1] + "9", "phone": person.phone})
    for response in (wrong_phone, wrong_number):
        assert response.status_code == 404
        assert "未找到该办件，请核对办件编号和手机号" in response.content.decode()
        assert "待受理" not in response.content.decode()


def test_public_progress_names_a_missing_field(client, catalog):
    assert client.get("/hall/progress/").status_code == 200
    response = client.post("/hall/progress/", {"number": "", "phone": "13000000000"})
    assert response.status_code == 400 and "字段 办件编号：必填" in response.content.decode()


def test_the_hall_links_a_person_and_a_unit_to_their_own_pages(client, person):
    client.force_login(person.user)
    page = client.get("/hall/").content.decode()
    assert all(link in page for link in ("/hall/my/insurance/", "/enrollment/account/", "/offsite/"))
    assert "/enrollment/baopan/" not in page
    client.force_login(UnitAccountFactory().user)
    page = client.get("/hall/").content.decode()
    assert all(link in page for link in ("/hall/my/unit/", "/offsite/batch/"))
    # Not enrolled yet: 报盘 would refuse it (tests/hall/test_navigation.py covers an enrolled unit).
    assert "/enrollment/baopan/" not in page
