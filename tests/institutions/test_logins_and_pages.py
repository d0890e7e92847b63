"""An institution as a login; the public directory and 公示; who sees what."""

import datetime

import pytest

from tests.institutions.conftest import (
    APPLICATION,
    DAY,
    apply,
    designate,
    designation_item,
    later,
    make_institution,
    uploads_for,
)
from yibao.accounts.services import authenticate_account
from yibao.cases.models import Case
from yibao.cases.services import accept_case
from yibao.institutions.demo import load_demo_institutions
from yibao.institutions.models import Institution, InstitutionStatus, Publicity
from yibao.institutions.selectors import designated_on

pytestmark = pytest.mark.django_db
PASSWORD = "demo-pass-123"


def test_an_institution_logs_in_with_its_uscc_and_lands_in_the_hall(client, hospital):
    response = client.post("/accounts/login/", {"kind": "institution", "identifier": hospital.uscc,
                                                "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/hall/"
    page = client.get("/hall/")
    assert "医药机构：" in page.content.decode() and hospital.name in page.content.decode()


def test_an_institutions_uscc_is_no_unit_login(hospital):
    from yibao.accounts.services import AccountError
    # The unit door looks for "u:" + USCC: the institution's login is another account.
    with pytest.raises(AccountError, match="账号或密码错误"):
        authenticate_account(kind="unit", identifier=hospital.uscc, password=PASSWORD)
    user = authenticate_account(kind="institution", identifier=hospital.uscc, password=PASSWORD)
    assert user == hospital.account.user


def test_an_institution_applies_in_the_hall_as_itself(client, hospital):
    client.force_login(hospital.account.user)
    item = designation_item("changzhi", "hospital")
    from django.core.files.uploadedfile import SimpleUploadedFile
    files = {f"material_{p}": SimpleUploadedFile(f"{p}.pdf", b"%PDF-1.4\n% scan\n", "application/pdf")
             for p in uploads_for(item)}
    response = client.post(f"/hall/apply/changzhi/{item.key}/", {
        "applicant_phone": "13912345678", "field_insurance_head": "王主任", "field_business_scope": ["住院"],
        "field_commitment": "是", **files})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(item=item)
    assert case.applicant_kind == "institution" and case.applicant_id_number == hospital.uscc
    assert case.home_agency == hospital.agency


def test_a_person_logged_in_cannot_apply_for_designation_in_the_hall(client, hospital):
    from tests.factories import PersonAccountFactory
    person = PersonAccountFactory()
    client.force_login(person.user)
    item = designation_item("changzhi", "hospital")
    response = client.post(f"/hall/apply/changzhi/{item.key}/", {
        "applicant_phone": "13912345678", "field_insurance_head": "王主任", "field_commitment": "是"})
    assert response.status_code in (400, 422)
    assert "须由医药机构以机构账号申请" in response.content.decode()
    assert not Case.objects.filter(item=item).exists()


def test_an_institution_sees_only_its_own_cases(client, hospital, regions):
    other = make_institution(regions["changzhi"], "hospital")
    case = apply(hospital)
    client.force_login(other.account.user)
    assert client.get(f"/hall/cases/{case.number}/").status_code == 404
    client.force_login(hospital.account.user)
    assert client.get(f"/hall/cases/{case.number}/").status_code == 200


def test_the_own_page_is_for_institutions_only(client, hospital, clerks):
    assert client.get("/institutions/mine/").status_code == 302
    client.force_login(clerks["changzhi"]["review"].user)
    assert client.get("/institutions/mine/").status_code == 403
    client.force_login(hospital.account.user)
    assert "申请中" in client.get("/institutions/mine/").content.decode()


# --- the public pages and API ---------------------------------------------------------------------

def test_the_directory_lists_designated_institutions_by_city_kind_and_service(client, hospital, pharmacy, clerks,
                                                                             regions):
    designate(hospital, clerks)
    designate(pharmacy, clerks)
    make_institution(regions["changzhi"], "hospital")  # still applying: not listed
    with later(11):
        page = client.get("/institutions/?city=changzhi&kind=hospital").content.decode()
        assert hospital.name in page and pharmacy.name not in page
        body = client.get("/api/institutions/directory", {"city": "changzhi", "service": "41"}).json()
        assert [row["name"] for row in body] == [pharmacy.name]
        assert body[0]["national_code"].startswith("P1404")
        assert client.get("/institutions/?kind=bogus").status_code == 400
        assert client.get("/api/institutions/directory", {"level": "9"}).status_code == 422


def test_the_publicity_page_lists_and_takes_objections_without_login(client, hospital, clerks):
    case = designate(hospital, clerks, through="调查")
    publicity = Publicity.objects.get(case=case)
    with later(2):
        assert hospital.name in client.get("/institutions/publicity/").content.decode()
        response = client.post("/institutions/publicity/", {"publicity": publicity.pk, "raised_by": "赵六",
                                                            "contact": "13800000000", "text": "未开展住院"})
        assert response.status_code == 302 and publicity.objections.count() == 1
        response = client.post("/institutions/publicity/", {"publicity": publicity.pk, "raised_by": "",
                                                            "contact": "13800000000", "text": "x"})
        assert response.status_code == 422 and "字段 异议人姓名：必填" in response.content.decode()
        assert client.post("/institutions/publicity/", {"publicity": "x\x00"}).status_code in (400, 404)
        api = client.post(f"/api/institutions/publicity/{publicity.pk}/objections",
                          {"raised_by": "钱七", "contact": "13800000001", "text": "异议"},
                          content_type="application/json")
        assert api.status_code == 201
    with later(30):
        assert client.get("/institutions/publicity/").content.decode().count(hospital.name) == 0


# --- the clerk's designation page -----------------------------------------------------------------

def test_the_clerk_evaluates_on_the_designation_page(client, hospital, clerks):
    case = accept_case(case=apply(hospital), staff=clerks["changzhi"]["accept"])
    client.force_login(clerks["changzhi"]["review"].user)
    url = f"/institutions/staff/cases/{case.number}/"
    assert "记录评估结果" in client.get(url).content.decode()
    from yibao.institutions.rules import criteria_for
    data = {"action": "evaluate", "written_on": DAY.isoformat(), "onsite_on": DAY.isoformat(), "opinion": ""}
    data.update({f"met_{c.code}": "1" for c in criteria_for("hospital")})
    assert client.post(url, data).status_code == 302
    assert case.evaluations.get().passed
    data["written_on"] = "2026-13-01"
    assert "字段 书面评估日期" in client.post(url, data).content.decode()


def test_another_agencys_clerk_and_an_institution_cannot_open_the_designation_page(client, hospital, clerks):
    case = apply(hospital)
    url = f"/institutions/staff/cases/{case.number}/"
    client.force_login(clerks["taiyuan"]["review"].user)
    assert client.get(url).status_code == 404
    client.force_login(hospital.account.user)
    assert client.get(url).status_code == 403


def test_the_agreement_pdf_is_for_the_institution_and_its_agency_only(client, hospital, clerks, regions):
    designate(hospital, clerks)
    agreement = hospital.agreements.get()
    url = f"/institutions/agreements/{agreement.number}.pdf"
    with later(11):
        client.force_login(hospital.account.user)
        response = client.get(url)
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        client.force_login(make_institution(regions["changzhi"], "hospital").account.user)
        assert client.get(url).status_code == 404
        client.force_login(clerks["taiyuan"]["review"].user)
        assert client.get(url).status_code == 404
        client.force_login(clerks["changzhi"]["accept"].user)
        assert client.get(url).status_code == 200


# --- the API as an institution and as staff --------------------------------------------------------

def _token(client, kind, identifier, password=PASSWORD):
    response = client.post("/api/auth/token", {"kind": kind, "identifier": identifier, "password": password,
                                               "channel": "app"}, content_type="application/json")
    assert response.status_code == 201, response.content
    return {"HTTP_AUTHORIZATION": f"Bearer {response.json()['token']}"}


def test_an_institution_files_through_the_case_api_and_reads_its_record(client, hospital):
    auth = _token(client, "institution", hospital.uscc)
    assert client.get("/api/institutions/mine", **auth).json()["status"] == "applying"
    item = designation_item("changzhi", "hospital")
    response = client.post("/api/cases", {"city": "changzhi", "item": item.key, "phone": "13912345678",
                                          "form_data": APPLICATION}, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    assert Case.objects.get(number=response.json()["number"]).applicant_kind == "institution"


def test_staff_suspend_and_terminate_through_the_api_with_reason_codes(client, hospital, clerks, agencies):
    from tests.factories import PASSWORD as STAFF_PASSWORD
    designate(hospital, clerks)
    hospital.refresh_from_db()
    code = hospital.national_code
    auth = _token(client, "staff", clerks["changzhi"]["review"].user.username, STAFF_PASSWORD)
    with later(20):
        bad = client.post(f"/api/staff/institutions/{code}/suspend", {"reason_code": "X"},
                          content_type="application/json", **auth)
        assert bad.status_code == 422 and "字段 暂停原因" in bad.json()["detail"]
        ok = client.post(f"/api/staff/institutions/{code}/suspend", {"reason_code": "S01"},
                         content_type="application/json", **auth)
        assert ok.status_code == 200 and ok.json()["status"] == "suspended"
        assert not designated_on(code=code, day=DAY + datetime.timedelta(days=20))
        assert designated_on(code=code, day=DAY + datetime.timedelta(days=19))
        ok = client.post(f"/api/staff/institutions/{code}/terminate", {"reason_code": "T05"},
                         content_type="application/json", **auth)
        assert ok.json()["status"] == "terminated"
    other = _token(client, "staff", clerks["taiyuan"]["review"].user.username, STAFF_PASSWORD)
    assert client.post(f"/api/staff/institutions/{code}/resume", {}, content_type="application/json",
                       **other).status_code == 404


# --- demo -----------------------------------------------------------------------------------------

def test_the_demo_has_a_designated_hospital_and_an_applying_pharmacy_per_city(agencies):
    logins = load_demo_institutions(actor="demo")
    again = load_demo_institutions(actor="demo")
    assert len(logins) == len(again) == 4  # Taiyuan and Changzhi have agencies in this test
    hospital = Institution.objects.get(uscc="12140400MBH0000016")
    assert hospital.status == InstitutionStatus.DESIGNATED and hospital.national_code == "H14040090001"
    assert designated_on(code="H14040090001", day=DAY)
    assert Institution.objects.get(uscc="12140400MBP000001B").status == InstitutionStatus.APPLYING
    from yibao.agencies.services import DEMO_PASSWORD
    assert authenticate_account(kind="institution", identifier="12140400MBP000001B", password=DEMO_PASSWORD)
