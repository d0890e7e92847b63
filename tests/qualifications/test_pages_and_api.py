"""我的待遇资格, the clerk's search, the public directory and its upkeep, and the API: each sees only what it may."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import PersonAccountFactory, StaffFactory
from tests.qualifications.conftest import HOSPITAL, complete, current_item, submit
from yibao.api.auth import issue_token
from yibao.audit.models import AuditEntry
from yibao.qualifications.models import ResponsibleDoctor, SpecialDrug

pytestmark = pytest.mark.django_db

DIABETES = {"disease_code": "M01600", "institution_code": HOSPITAL[0], "institution_name": HOSPITAL[1]}


@pytest.fixture
def two_holders(make_insured, clerks):
    mine, other = make_insured("changzhi"), make_insured("changzhi")
    for person in (mine, other):
        complete(submit(current_item("changzhi", "chronic-disease"), person, DIABETES), clerks["changzhi"])
    account = PersonAccountFactory(id_number=mine.id_number, name=mine.name, phone=mine.phone)
    return mine, other, account


def bearer(user, kind):
    _token, raw = issue_token(user=user, kind=kind, channel="app")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_person_sees_only_their_own_qualifications_on_the_page_and_in_the_api(client, two_holders):
    mine, other, account = two_holders
    client.force_login(account.user)
    page = client.get("/qualifications/mine/").content.decode()
    assert "糖尿病（M01600）" in page and "示例参数，须按本地现行文件核定" in page
    assert other.name not in page
    rows = client.get("/api/qualifications", **bearer(account.user, "person")).json()
    assert [(r["name"], r["disease_code"], r["status_label"]) for r in rows] == [(mine.name, "M01600", "有效")]


def test_a_clerk_finds_by_person_disease_and_institution_in_their_region_only(client, two_holders, agencies):
    mine, _other, _account = two_holders
    clerk = StaffFactory(agency=agencies["changzhi"], roles=["accept"])
    client.force_login(clerk.user)
    page = client.get("/qualifications/staff/", {"institution": HOSPITAL[0]}).content.decode()
    assert page.count("M01600 糖尿病") == 2 and mine.id_number not in page  # masked
    assert mine.name in client.get("/qualifications/staff/", {"id_number": mine.id_number}).content.decode()
    stranger = StaffFactory(agency=agencies["taiyuan"], roles=["accept"])
    client.force_login(stranger.user)
    assert mine.name not in client.get("/qualifications/staff/", {"disease": "M01600"}).content.decode()
    rows = client.get("/api/staff/qualifications", {"disease": "糖尿病"}, **bearer(clerk.user, "staff")).json()
    assert len(rows) == 2 and all("*" in r["id_number"] for r in rows)


def test_the_public_directory_needs_no_login_and_searches_by_drug_name(client, directory):
    page = client.get("/qualifications/special-drugs/", {"q": "奥希替尼"}).content.decode()
    assert "山西省人民医院" in page and "张医生（肿瘤内科）" in page
    assert "没有找到名称含“阿司匹林”" in client.get("/qualifications/special-drugs/", {"q": "阿司匹林"}).content.decode()
    assert client.get("/qualifications/special-drugs/", {"q": "\x00" * 10, "region": "x" * 500}).status_code in (200, 400)
    rows = client.get("/api/special-drugs", {"q": "奥希替尼"}).json()
    assert {r["region"] for r in rows} == {"taiyuan", "changzhi"}
    assert rows[0]["institutions"][0]["doctors"] == [{"name": "张医生", "department": "肿瘤内科"}]


def test_staff_keep_the_directory_audited_and_a_bad_file_changes_nothing(client, agencies):
    admin = StaffFactory(agency=agencies["jincheng"], roles=["administer"])
    clerk = StaffFactory(agency=agencies["jincheng"], roles=["accept"])
    entry = {"drug_name": "伊马替尼片", "generic_name": "", "disease_code": "M00503", "disease_name": "恶性肿瘤",
             "institution_code": "H14050000001", "institution_name": "晋城市人民医院",
             "doctor_name": "李医生", "doctor_department": "血液科"}
    client.force_login(clerk.user)
    assert client.post("/qualifications/staff/special-drugs/", entry).status_code == 403
    client.force_login(admin.user)
    assert client.post("/qualifications/staff/special-drugs/", entry).status_code == 302
    assert ResponsibleDoctor.objects.get().name == "李医生"
    assert AuditEntry.objects.filter(action="special_drug.save", actor=admin.user.username).exists()
    bad = client.post("/qualifications/staff/special-drugs/", {**entry, "institution_code": "12345"})
    assert bad.status_code == 422 and "定点医疗机构编码「12345」应为 H 加 11 位数字" in bad.content.decode()

    csv = ("药品名称,通用名,适应病种编码,适应病种,定点医疗机构编码,定点医疗机构名称,责任医师,科室\n"
           "吉非替尼片,,M00503,恶性肿瘤,H14050000002,晋城大医院,王医生,肿瘤科\n"
           ",,M00503,恶性肿瘤,H14050000002,晋城大医院,,\n"
           "厄洛替尼片,,M00503,恶性肿瘤,X1,晋城大医院,赵医生,\n").encode()
    response = client.post("/qualifications/staff/special-drugs/",
                           {"file": SimpleUploadedFile("d.csv", csv, "text/csv")})
    text = response.content.decode()
    assert response.status_code == 422
    assert "有 2 行不符合要求，未导入" in text and "第3行：药品名称不能为空" in text
    assert "第4行：定点医疗机构编码「X1」应为 H 加 11 位数字；责任医师和科室须同时填写" in text
    assert SpecialDrug.objects.count() == 1
    good = csv.split(b"\n")[0] + b"\n" + csv.split(b"\n")[1] + b"\n"
    client.post("/qualifications/staff/special-drugs/", {"file": SimpleUploadedFile("d.csv", good, "text/csv")})
    assert set(SpecialDrug.objects.values_list("name", flat=True)) == {"伊马替尼片", "吉非替尼片"}


def test_a_reviewer_terminates_a_qualification_of_their_region_only_with_a_reason(client, two_holders, agencies):
    from yibao.qualifications.models import Qualification

    mine, _other, _account = two_holders
    qualification = Qualification.objects.get(person=mine)
    url = f"/qualifications/staff/{qualification.pk}/terminate/"
    client.force_login(StaffFactory(agency=agencies["taiyuan"], roles=["review"]).user)
    assert client.post(url, {"reason": "死亡"}).status_code == 404
    client.force_login(StaffFactory(agency=agencies["changzhi"], roles=["accept"]).user)
    assert client.post(url, {"reason": "死亡"}).status_code == 403
    client.force_login(StaffFactory(agency=agencies["changzhi"], roles=["review"]).user)
    response = client.post(url, {"reason": ""}, follow=True)
    assert "终止原因：不能为空" in response.content.decode()
    client.post(url, {"reason": "参保人死亡"})
    qualification.refresh_from_db()
    assert qualification.get_status_display() == "终止" and qualification.end_reason == "参保人死亡"
    assert AuditEntry.objects.filter(action="qualification.terminate").exists()
