"""我的异地备案, the staff query and the API: each sees only what it may."""

import base64
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import PersonAccountFactory, StaffFactory
from tests.offsite.conftest import PDF, apply_and_complete, complete, current_item, insured
from yibao.accounts.models import PersonAccount
from yibao.api.auth import issue_token
from yibao.cases.models import Case
from yibao.hall.forms import FIELD_PREFIX, MATERIAL_PREFIX
from yibao.ids import make_uscc
from yibao.offsite.models import FilingStatus, OffsiteFiling

pytestmark = pytest.mark.django_db

TO_SHENZHEN = {"destination_province": "广东省", "destination_city": "深圳市"}


@pytest.fixture
def two_filings(agencies, clerks):
    """A Changzhi retiree with an online account, and another Changzhi person; both filed."""
    mine = insured(agencies["changzhi"], account=True, name="张秀兰")
    other = insured(agencies["changzhi"], name="赵大海")
    item = current_item("changzhi", "remote-resettled-retiree")
    for person in (mine, other):
        apply_and_complete(item, person, TO_SHENZHEN, clerks["changzhi"])
    return OffsiteFiling.objects.get(person=mine), OffsiteFiling.objects.get(person=other)


def person_client(client, filing):
    client.force_login(PersonAccount.objects.get(id_number=filing.person.id_number).user)
    return client


def test_a_person_sees_only_their_own_filings(client, two_filings):
    mine, other = two_filings
    page = person_client(client, mine).get("/offsite/").content.decode()
    assert mine.number in page and other.number not in page and "赵大海" not in page


def test_a_person_cancels_their_filing_from_the_page(client, two_filings):
    mine, other = two_filings
    c = person_client(client, mine)
    assert c.post(f"/offsite/filings/{other.number}/cancel/").status_code == 404
    response = c.post(f"/offsite/filings/{mine.number}/cancel/", {"reason": "已回本地"})
    assert response.status_code == 302
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.status == FilingStatus.CANCELLED and other.status == FilingStatus.ACTIVE


def test_form9_is_printed_for_the_owner_and_refused_to_others(client, two_filings):
    mine, other = two_filings
    c = person_client(client, mine)
    response = c.get(f"/offsite/filings/{mine.number}/form9.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert c.get(f"/offsite/filings/{other.number}/form9.pdf").status_code == 404


def test_staff_query_by_id_destination_category_and_day(client, two_filings, clerks):
    mine, other = two_filings
    client.force_login(clerks["changzhi"].user)
    page = client.get("/offsite/staff/", {"destination": "深圳市", "category": "resettled_retiree",
                                          "on": "2026-06-01"}).content.decode()
    assert mine.number in page and other.number in page
    assert mine.person.id_number not in page  # ID numbers masked in lists
    page = client.get("/offsite/staff/", {"id_number": other.person.id_number}).content.decode()
    assert other.number in page and mine.number not in page
    assert client.get("/offsite/staff/", {"on": "2026-02-30"}).status_code == 400
    page = client.get("/offsite/staff/", {"on": "2026-01-01"}).content.decode()
    assert "没有符合条件的备案" in page


def test_the_staff_query_names_the_insurance_type_in_words(client, two_filings, clerks):
    client.force_login(clerks["changzhi"].user)
    page = client.get("/offsite/staff/", {"destination": "深圳市"}).content.decode()
    assert "职工基本医疗保险" in page
    assert "<td>310</td>" not in page


def test_staff_of_another_region_see_nothing(client, two_filings, clerks):
    mine, _other = two_filings
    client.force_login(clerks["taiyuan"].user)
    page = client.get("/offsite/staff/", {"id_number": mine.person.id_number}).content.decode()
    assert mine.number not in page and "没有符合条件的备案" in page
    assert client.get(f"/offsite/filings/{mine.number}/form9.pdf").status_code == 404


def test_the_staff_page_is_for_staff_only(client, two_filings):
    mine, _other = two_filings
    assert person_client(client, mine).get("/offsite/staff/").status_code == 403


def bearer(user, kind):
    _token, raw = issue_token(user=user, kind=kind, channel="app")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_lists_a_persons_own_filings_and_cancels_one(client, two_filings):
    mine, other = two_filings
    headers = bearer(PersonAccount.objects.get(id_number=mine.person.id_number).user, "person")
    rows = client.get("/api/offsite/filings", **headers).json()
    assert [r["number"] for r in rows] == [mine.number]
    assert rows[0]["category_label"] == "异地安置退休人员" and rows[0]["end_date"] is None
    response = client.post(f"/api/offsite/filings/{other.number}/cancel", {"reason": ""},
                           content_type="application/json", **headers)
    assert response.status_code == 404
    response = client.post(f"/api/offsite/filings/{mine.number}/cancel", {"reason": "回本地"},
                           content_type="application/json", **headers)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    response = client.post(f"/api/offsite/filings/{mine.number}/cancel", {},
                           content_type="application/json", **headers)
    assert response.status_code == 409 and "已取消" in response.json()["detail"]


def test_api_staff_query_is_scoped_to_the_region_and_masks_ids(client, two_filings, clerks):
    mine, _other = two_filings
    rows = client.get("/api/staff/offsite/filings", {"id_number": mine.person.id_number},
                      **bearer(clerks["changzhi"].user, "staff")).json()
    assert [r["number"] for r in rows] == [mine.number] and rows[0]["id_number"] != mine.person.id_number
    rows = client.get("/api/staff/offsite/filings", {"id_number": mine.person.id_number},
                      **bearer(clerks["taiyuan"].user, "staff")).json()
    assert rows == []
    response = client.get("/api/staff/offsite/filings", **bearer(clerks["changzhi"].user, "staff"))
    assert response.status_code == 422 and "请至少提供一个查询条件" in response.json()["detail"]


def test_api_staff_query_refuses_a_person_token(client, two_filings):
    account = PersonAccountFactory()
    response = client.get("/api/staff/offsite/filings", {"on": datetime.date(2026, 6, 1).isoformat()},
                          **bearer(account.user, "person"))
    assert response.status_code == 403


def test_an_inactive_clerk_is_refused(client, two_filings, agencies):
    clerk = StaffFactory(agency=agencies["changzhi"], roles=["accept"], is_active=False)
    client.force_login(clerk.user)
    assert client.get("/offsite/staff/").status_code == 403


def test_the_hall_application_form_shows_the_form9_fields_and_files_at_completion(client, agencies, clerks):
    person = insured(agencies["jincheng"], account=True, insurance_type="390", category="resident")
    client.force_login(PersonAccount.objects.get(id_number=person.id_number).user)
    page = client.get("/hall/apply/jincheng/remote-filing/").content.decode()
    assert "办理类型" in page and "转往省(市、区)" in page and "人员类别" in page
    assert "roster" not in page  # the 花名表 rows are filled by the import page only
    response = client.post("/hall/apply/jincheng/remote-filing/", {
        "applicant_phone": "13912345678", f"{FIELD_PREFIX}category": "异地长期居住人员",
        f"{FIELD_PREFIX}destination_province": "广东省", f"{FIELD_PREFIX}destination_city": "广州市",
        f"{FIELD_PREFIX}start_date": "2026-03-02",
        f"{MATERIAL_PREFIX}0": SimpleUploadedFile("proof.pdf", PDF)})
    assert response.status_code == 302
    case = Case.objects.get(applicant_id_number=person.id_number)
    complete(case, clerks["jincheng"])
    filing = OffsiteFiling.objects.get(person=person)
    assert filing.destination_city_name == "广州市" and filing.case_number == case.number


def test_a_referral_is_entered_for_a_hospital_through_the_window_api(client, agencies, clerks):
    """The hospital's 医保科 has no login of its own: a clerk enters its referral (applicant: institution)."""
    patient = insured(agencies["taiyuan"], insurance_type="390", category="resident")
    scan = base64.b64encode(PDF).decode()
    response = client.post("/api/staff/cases", {
        "applicant_kind": "institution", "applicant_id_number": make_uscc("12140100MB0000002"),
        "applicant_name": "太原市某三甲医院", "phone": "0351-4000000", "item": "remote-referral-transfer",
        "situation": {"situations": ["门诊病人转诊"]},
        "form_data": {"person_id_number": patient.id_number, "person_name": patient.name,
                      "destination_province": "北京市", "hospital": "北京协和医院"},
        "files": [{"position": p, "name": f"{p}.pdf", "content_base64": scan} for p in (0, 1, 3, 4)],
    }, content_type="application/json", **bearer(clerks["taiyuan"].user, "staff"))
    assert response.status_code == 201, response.content
    complete(Case.objects.get(number=response.json()["number"]), clerks["taiyuan"])
    filing = OffsiteFiling.objects.get(person=patient)
    assert filing.filed_by == "hospital" and filing.filer_name == "太原市某三甲医院"
    assert filing.hospital == "北京协和医院" and filing.destination_city_code == "110000"


def test_the_menu_entry_sends_units_to_the_roster_page_and_clerks_to_the_query(client, clerks, unit):
    _record, account = unit
    client.force_login(account.user)
    assert client.get("/offsite/")["Location"] == "/offsite/batch/"
    client.force_login(clerks["taiyuan"].user)
    assert client.get("/offsite/")["Location"] == "/offsite/staff/"


@pytest.mark.parametrize("body", ["[null,null]", "[]", "null", "7", '"取消"'])
def test_api_cancel_refuses_a_body_that_is_not_an_object_and_keeps_the_filing(client, two_filings, body):
    mine, _other = two_filings
    headers = bearer(PersonAccount.objects.get(id_number=mine.person.id_number).user, "person")
    response = client.post(f"/api/offsite/filings/{mine.number}/cancel", body,
                           content_type="application/json", **headers)
    assert response.status_code == 422
    assert "JSON 对象" in response.json()["detail"]
    mine.refresh_from_db()
    assert mine.status != FilingStatus.CANCELLED


@pytest.mark.parametrize("on", ["0", "1", "20260601", "2026-06-01T00:00"])
def test_api_staff_query_refuses_a_day_that_is_not_a_date(client, two_filings, clerks, on):
    response = client.get("/api/staff/offsite/filings", {"on": on}, **bearer(clerks["changzhi"].user, "staff"))
    assert response.status_code == 422
    assert "字段 日期：日期格式无效，应为 YYYY-MM-DD" in response.json()["detail"]
