"""Every case action through the API only: applicants, staff, the public."""

import base64
import datetime

import pytest
from django.utils import timezone

from tests.accounts.conftest import PersonRecordFactory
from tests.api.conftest import PDF_B64, Api, obtain, pdf_file
from tests.factories import PersonAccountFactory, UnitAccountFactory, WindowFactory
from yibao.audit.models import AuditEntry
from yibao.cases.models import Case, CaseFile
from yibao.ids import make_resident_id, mask_resident_id

pytestmark = pytest.mark.django_db

ITEM = {"city": "jincheng", "item": "inpatient-reimbursement"}


def submit(api, files=None, **extra):
    files = files if files is not None else [pdf_file(0, "票据.pdf"), pdf_file(1, "清单.pdf")]
    return api.post("/api/cases", {**ITEM, "files": files, **extra})


def submit_complete(api):
    response = submit(api, files=[pdf_file(p) for p in range(4)])
    assert response.status_code == 201, response.content
    return response.json()["number"]


# --- the whole journey ---------------------------------------------------------------------------------

def test_the_whole_journey_through_the_api_only(client, as_person, as_staff, person, staff, day):
    # Given a person on WeChat, when they apply with two of the four required scans …
    response = submit(as_person)
    assert response.status_code == 201, response.content
    case = response.json()
    number = case["number"]
    assert case["status"] == "submitted" and case["channel"] == "wechat"
    assert case["applicant_name"] == person.name and case["home_agency"] == "泽州县医疗保障服务中心"
    assert [m["position"] for m in case["materials"]] == [0, 1, 2, 3, 4]
    assert [len(m["files"]) for m in case["materials"]] == [1, 1, 0, 0, 0]

    # … the clerk at another county (高平, 通办) cannot accept, and issues the one-time notice.
    gaoping = as_staff("gaoping", "accept")
    seen = gaoping.get(f"/api/staff/cases/{number}").json()
    assert {a["action"] for a in seen["actions"]} >= {"accept", "notice", "refuse"}
    refused = gaoping.post(f"/api/staff/cases/{number}/accept", {"window": "A01"})
    assert refused.status_code == 403 and "材料不齐全" in refused.json()["detail"]
    noticed = gaoping.post(f"/api/staff/cases/{number}/notice", {"window": "A01", "problems": [
        {"position": 2, "reason": "缺少住院病历复印件"},
        {"position": 3, "reason": "社保卡复印件不清晰", "defective": True}]})
    assert noticed.status_code == 200, noticed.content
    assert noticed.json()["status"] == "supplementing"

    # The person reads the notice (no clerk's username anywhere) and resubmits.
    mine = as_person.get(f"/api/cases/{number}")
    body = mine.json()
    assert body["status"] == "supplementing" and body["actions"] == ["withdraw", "resubmit"]
    assert [p["name"] for p in body["notices"][0]["problems"]] == ["住院病历(复印件)", "社保卡(复印件)"]
    assert [(m["state"], m["problem"]) for m in body["materials"]][2:4] == [
        ("missing", "缺少住院病历复印件"), ("defective", "社保卡复印件不清晰")]
    assert all("actor" not in e for e in body["events"])
    assert staff["gaoping"]["accept"].user.username not in mine.content.decode()
    resubmitted = as_person.post(f"/api/cases/{number}/resubmit", {"files": [pdf_file(2), pdf_file(3)]})
    assert resubmitted.status_code == 200 and resubmitted.json()["status"] == "submitted"

    # 高平 accepts; the case is routed to 泽州 (home agency), which reviews, pays and completes.
    accepted = gaoping.post(f"/api/staff/cases/{number}/accept", {"window": "A01", "opinion": "材料齐全"})
    assert accepted.status_code == 200, accepted.content
    accepted = accepted.json()
    assert accepted["status"] == "accepted" and accepted["accepting_agency"] == "高平市医疗保障服务中心"
    assert accepted["is_cross_agency"] and accepted["due_date"] == "2026-10-30"  # 20 working days over 国庆
    wrong_county = as_staff("gaoping", "review").post(f"/api/staff/cases/{number}/advance",
                                                      {"action": "review", "opinion": "同意"})
    assert wrong_county.status_code == 403 and "不是该办件的所属经办机构" in wrong_county.json()["detail"]
    reviewed = as_staff("zezhou", "review").post(f"/api/staff/cases/{number}/advance",
                                                 {"action": "review", "opinion": "材料齐全，同意"})
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "reviewed"
    payer = as_staff("zezhou", "pay")
    assert payer.post(f"/api/staff/cases/{number}/advance",
                      {"action": "pay", "opinion": "已拨付 1234.56 元"}).json()["status"] == "paid"
    done = payer.post(f"/api/staff/cases/{number}/advance", {"action": "complete", "opinion": "办结"}).json()
    assert done["status"] == "completed" and done["outcome"] == "approved"
    assert [e["action"] for e in done["events"]] == [
        "submit", "notice", "resubmit", "accept", "review", "pay", "complete"]
    assert done["events"][3]["actor"] == staff["gaoping"]["accept"].user.username  # staff see who

    # The person sees the result and rates the service once (一事一评).
    final = as_person.get(f"/api/cases/{number}").json()
    assert final["status_label"] == "已办结" and final["actions"] == []
    rated = as_person.post(f"/api/cases/{number}/evaluation", {"level": 1, "comment": "跨县办理很方便"})
    assert rated.status_code == 201, rated.content
    assert rated.json() == {"number": number, "level": 1, "comment": "跨县办理很方便", "channel": "wechat"}
    again = as_person.post(f"/api/cases/{number}/evaluation", {"level": 2})
    assert again.status_code == 409 and "只能评价一次" in again.json()["detail"]

    # Anyone with the number and phone sees the progress, and nothing personal.
    progress = client.get("/api/progress", {"number": number, "phone": person.phone})
    assert progress.status_code == 200 and progress.json()["status"] == "completed"
    text = progress.content.decode()
    assert person.name not in text and person.id_number not in text and person.phone not in text


def test_a_bad_review_needs_a_reason_and_an_open_case_cannot_be_rated(as_person, day):
    number = submit_complete(as_person)

    early = as_person.post(f"/api/cases/{number}/evaluation", {"level": 1})
    assert early.status_code == 403 and "办结或不予受理后才能评价" in early.json()["detail"]
    out_of_range = as_person.post(f"/api/cases/{number}/evaluation", {"level": 6})
    assert out_of_range.status_code == 422 and out_of_range.json()["errors"][0]["field"] == "level"


# --- staff lists and scoping ---------------------------------------------------------------------

def test_staff_todo_masks_id_numbers_and_filters(as_person, as_staff, person, day):
    number = submit_complete(as_person)

    clerk = as_staff("zezhou", "accept")
    response = clerk.get("/api/staff/todo")
    [row] = response.json()
    assert row["number"] == number and row["next_action"] == "accept"
    assert row["applicant_id"] == mask_resident_id(person.id_number) != person.id_number
    assert "*" in row["applicant_id"] and person.id_number not in response.content.decode()
    assert [r["number"] for r in clerk.get("/api/staff/todo", {"status": "submitted"}).json()] == [number]
    assert clerk.get("/api/staff/todo", {"item": "nothing-here"}).json() == []
    assert clerk.get("/api/staff/todo", {"flag": "超期"}).json() == []
    bad = clerk.get("/api/staff/todo", {"status": "lost"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "status"
    # A reviewer has nothing to accept.
    assert as_staff("zezhou", "review").get("/api/staff/todo").json() == []


def test_persons_get_403_on_staff_endpoints_and_staff_on_applicant_endpoints(as_person, as_staff, day):
    number = submit_complete(as_person)

    for path in ("/api/staff/todo", f"/api/staff/cases/{number}"):
        response = as_person.get(path)
        assert response.status_code == 403 and response.json() == {"detail": "仅限经办人员"}
    accept = as_person.post(f"/api/staff/cases/{number}/accept", {})
    assert accept.status_code == 403 and accept.json()["detail"] == "仅限经办人员"
    clerk = as_staff("zezhou", "accept")
    assert clerk.get("/api/cases").status_code == 403
    assert clerk.post("/api/cases", {**ITEM, "files": []}).json()["detail"] == "仅限参保个人或单位账号"
    assert Case.objects.get(number=number).status == "submitted"


def test_another_persons_case_is_not_found(client, as_person, day):
    number = submit_complete(as_person)
    stranger = PersonAccountFactory(id_number=make_resident_id("14052519880808123"))
    other = Api(client, obtain(client, "person", stranger.id_number).json()["token"])

    for response in (other.get(f"/api/cases/{number}"),
                     other.post(f"/api/cases/{number}/withdraw", {}),
                     other.post(f"/api/cases/{number}/resubmit", {"files": [pdf_file(2)]})):
        assert response.status_code == 404 and response.json()["detail"] == f"未找到办件 {number}"
    assert other.get("/api/cases").json() == []
    assert as_person.get("/api/cases").json()[0]["number"] == number


def test_a_case_routed_elsewhere_is_not_found_for_other_agencies(as_person, as_staff, day):
    number = submit_complete(as_person)
    as_staff("gaoping", "accept").post(f"/api/staff/cases/{number}/accept", {"window": "A01"})

    response = as_staff("city", "review").get(f"/api/staff/cases/{number}")
    assert response.status_code == 404 and number in response.json()["detail"]
    assert as_staff("zezhou", "review").get(f"/api/staff/cases/{number}").status_code == 200


def test_a_stale_double_accept_is_a_409_and_changes_nothing_more(as_person, as_staff, day):
    number = submit_complete(as_person)
    first, second = as_staff("gaoping", "accept"), as_staff("gaoping", "accept_review")
    # Both clerks opened the case on their phones.
    version = first.get(f"/api/staff/cases/{number}").json()["version"]
    assert second.get(f"/api/staff/cases/{number}").json()["version"] == version

    assert first.post(f"/api/staff/cases/{number}/accept", {"version": version}).status_code == 200
    stale = second.post(f"/api/staff/cases/{number}/accept", {"version": version})

    assert stale.status_code == 409
    assert stale.json() == {"detail": f"办件 {number} 已被他人处理（状态已变化），请刷新后重试", "code": "case_conflict"}
    # Without the version the engine still refuses the second acceptance (state, not race).
    again = second.post(f"/api/staff/cases/{number}/accept", {})
    assert again.status_code == 403 and again.json()["detail"] == "办件当前状态为「已受理」，不能受理"
    case = Case.objects.get(number=number)
    assert case.events.filter(action="accept").count() == 1
    assert case.accepted_by.user.username != ""


# --- bad input -----------------------------------------------------------------------------------

def test_bad_base64_is_refused_naming_the_file_and_nothing_is_created(as_person, day):
    response = submit(as_person, files=[pdf_file(0), {"position": 1, "name": "清单.pdf",
                                                      "content_base64": "这不是@@base64"}])

    assert response.status_code == 422
    body = response.json()
    assert body["errors"] == [{"field": "files[1].content_base64", "message": "不是有效的 Base64 编码"}]
    assert body["detail"] == "字段 files[1].content_base64：不是有效的 Base64 编码"
    assert not Case.objects.exists() and not CaseFile.objects.exists()
    assert not AuditEntry.objects.filter(action="case.submit").exists()


def test_a_file_that_is_not_a_scan_is_refused_and_nothing_is_created(as_person, day):
    fake = base64.b64encode(b"MZ\x90\x00 not a pdf").decode()
    response = submit(as_person, files=[pdf_file(0), {"position": 1, "name": "清单.exe", "content_base64": fake}])

    assert response.status_code == 422 and "不是 PDF、JPG 或 PNG" in response.json()["detail"]
    assert not Case.objects.exists() and not CaseFile.objects.exists()


def test_a_body_over_the_request_limit_is_a_chinese_413(as_person, settings, day):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = base64.b64encode(b"%PDF-1.4" + b"0" * 2048).decode()

    response = submit(as_person, files=[{"position": 0, "name": "大文件.pdf", "content_base64": big}])

    assert response.status_code == 413 and response.json()["detail"].startswith("请求过大")
    assert not Case.objects.exists()


def test_unknown_item_situation_and_missing_fields_name_the_field(as_person, day):
    unknown = as_person.post("/api/cases", {"city": "jincheng", "item": "nothing-here"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "item"
    no_city = as_person.post("/api/cases", {"city": "atlantis", "item": "x"})
    assert no_city.status_code == 422 and no_city.json()["errors"][0]["field"] == "city"
    missing = as_person.post("/api/cases", {"city": "jincheng"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "item"
    situation = submit(as_person, situation={"situations": ["火星居住"]})
    assert situation.status_code == 422 and "火星居住" in situation.json()["detail"]
    stray = submit(as_person, files=[pdf_file(9)])
    assert stray.status_code == 422 and "材料序号 [9]" in stray.json()["detail"]
    assert not Case.objects.exists()


def test_the_applicant_identity_comes_from_the_account_not_the_body(as_person, person, day):
    response = submit(as_person, applicant_name="冒名", applicant_id_number="110101199001011234")

    assert response.status_code == 201
    case = Case.objects.get(number=response.json()["number"])
    assert case.applicant_name == person.name and case.applicant_id_number == person.id_number
    assert case.applicant_phone == person.phone and case.applicant_user == person.user


def test_withdraw_before_acceptance_only(as_person, day):
    number = submit_complete(as_person)

    done = as_person.post(f"/api/cases/{number}/withdraw", {"reason": "已在医院直接结算"})
    assert done.status_code == 200 and done.json()["status"] == "withdrawn"
    again = as_person.post(f"/api/cases/{number}/withdraw", {})
    assert again.status_code == 403 and "不能撤回" in again.json()["detail"]


def test_refuse_needs_a_reason(as_person, as_staff, day):
    number = submit_complete(as_person)
    clerk = as_staff("zezhou", "accept")

    blank = clerk.post(f"/api/staff/cases/{number}/refuse", {"reason": "  "})
    assert blank.status_code == 422 and "不予受理理由" in blank.json()["detail"]
    refused = clerk.post(f"/api/staff/cases/{number}/refuse", {"reason": "非本统筹区参保人员"})
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert as_person.get(f"/api/cases/{number}").json()["refusal_reason"] == "非本统筹区参保人员"


def test_an_unknown_action_or_foreign_window_is_a_422_naming_the_field(as_person, as_staff, agencies, day):
    number = submit_complete(as_person)
    WindowFactory(agency=agencies["zezhou"], number="B02")
    clerk = as_staff("gaoping", "accept")

    foreign = clerk.post(f"/api/staff/cases/{number}/accept", {"window": "B02"})
    assert foreign.status_code == 422
    assert foreign.json()["detail"] == "字段 window：窗口「B02」不属于高平市医疗保障服务中心或已停用"
    action = clerk.post(f"/api/staff/cases/{number}/advance", {"action": "fly"})
    assert action.status_code == 422 and action.json()["errors"][0]["field"] == "action"
    assert Case.objects.get(number=number).status == "submitted"


# --- window entry and resubmission on behalf ----------------------------------------------------------

def test_window_entry_notice_and_resubmission_on_behalf(as_staff, windows, day):
    clerk = as_staff("gaoping", "accept")
    id_number = make_resident_id("14052519750505321")

    entered = clerk.post("/api/staff/cases", {
        "applicant_kind": "person", "applicant_id_number": id_number, "applicant_name": "赵大爷",
        "phone": "13700000000", "item": "inpatient-reimbursement", "window": "A01",
        "files": [pdf_file(0), pdf_file(1)]})
    assert entered.status_code == 201, entered.content
    case = entered.json()
    assert case["channel"] == "window" and case["applicant_id_number"] == id_number
    assert case["events"][0]["window"] == "A01" and case["events"][0]["agency"] == "高平市医疗保障服务中心"
    number = case["number"]
    clerk.post(f"/api/staff/cases/{number}/notice", {"problems": [{"position": 2, "reason": "缺病历"},
                                                                {"position": 3, "reason": "缺社保卡"}]})
    partial = clerk.post(f"/api/staff/cases/{number}/resubmit", {"files": [pdf_file(2)]})
    assert partial.status_code == 422 and "社保卡(复印件)" in partial.json()["detail"]
    full = clerk.post(f"/api/staff/cases/{number}/resubmit",
                      {"window": "A01", "files": [pdf_file(2), pdf_file(3)]})
    assert full.status_code == 200 and full.json()["status"] == "submitted"
    assert clerk.post(f"/api/staff/cases/{number}/accept", {"window": "A01"}).json()["status"] == "accepted"


def test_window_entry_checks_the_applicant(as_staff, day):
    valid = make_resident_id("14052519750505321")
    wrong_check_digit = valid[:-1] + ("1" if valid[-1] != "1" else "2")
    response = as_staff("gaoping", "accept").post("/api/staff/cases", {
        "applicant_kind": "person", "applicant_id_number": wrong_check_digit, "applicant_name": "赵大爷",
        "phone": "13700000000", "item": "inpatient-reimbursement"})

    assert response.status_code == 422 and "校验位" in response.json()["detail"]
    assert not Case.objects.exists()


def window_entry_body(id_number, name):
    return {"applicant_kind": "person", "applicant_id_number": id_number, "applicant_name": name,
            "phone": "13700000000", "item": "inpatient-reimbursement", "window": "A01",
            "files": [pdf_file(0), pdf_file(1)]}


@pytest.mark.parametrize("role", ["review", "pay"])
def test_only_the_accept_role_enters_a_case_at_the_window(as_staff, windows, day, role):
    response = as_staff("gaoping", role).post("/api/staff/cases",
                                              window_entry_body(make_resident_id("14052519750505321"), "赵大爷"))
    assert response.status_code == 403 and "受理" in response.json()["detail"]
    assert not Case.objects.exists()


def test_a_known_persons_number_under_another_name_is_refused_at_the_window(as_staff, windows, day, staff):
    home = staff["gaoping"]["accept"].agency
    person = PersonRecordFactory(home_agency=home, name="王建国")
    clerk = as_staff("gaoping", "accept")
    refused = clerk.post("/api/staff/cases", window_entry_body(person.id_number, "李四"))
    assert refused.status_code == 422 and "申请人姓名" in refused.json()["detail"]
    assert not Case.objects.exists()
    assert clerk.post("/api/staff/cases", window_entry_body(person.id_number, "王建国")).status_code == 201


# --- public ------------------------------------------------------------------------------------------

def test_the_checklist_is_computed_for_the_situation(client, catalog, agencies):
    url = "/api/items/jincheng/inpatient-reimbursement/checklist"
    plain = client.get(url).json()
    assert [line["position"] for line in plain] == [0, 1, 2, 3, 4]
    assert [line["required"] for line in plain] == [True, True, True, True, False]
    living = client.get(url, {"situations": "异地长期居住"}).json()
    assert living[-1]["position"] == 5 and living[-1]["name"] == "长期居住证明"
    unknown = client.get(url, {"situations": "火星居住"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "situations"
    missing = client.get("/api/items/jincheng/nothing-here/checklist")
    assert missing.status_code == 404 and "nothing-here" in missing.json()["detail"]


def test_progress_needs_the_matching_phone(client, as_person, person, day):
    number = submit_complete(as_person)

    found = client.get("/api/progress", {"number": number, "phone": person.phone}).json()
    assert found["status_label"] == "待受理" and found["item"] == "基本医疗保险参保人员住院医疗费用手工报销"
    wrong = client.get("/api/progress", {"number": number, "phone": "13000000000"})
    assert wrong.status_code == 404 and wrong.json() == {"detail": "未找到该办件，请核对办件编号和手机号"}


def test_a_unit_token_sees_its_own_cases(client, day):
    unit = UnitAccountFactory()
    api = Api(client, obtain(client, "unit", unit.uscc).json()["token"])

    assert api.get("/api/cases").json() == []
    assert api.get("/api/staff/todo").status_code == 403


# --- ledger ---------------------------------------------------------------------------------------------

def test_the_ledger_is_for_supervisors(as_person, as_staff, day):
    submit_complete(as_person)
    # The ledger counts by the real submission time, not the engine's frozen day.
    period = {"start": str(timezone.localdate() - datetime.timedelta(days=1)), "end": str(timezone.localdate())}

    rows = as_staff("zezhou", "supervise").get("/api/staff/ledger", period)
    assert rows.status_code == 200, rows.content
    mine = [r for r in rows.json() if not r["is_total"]]
    assert [(r["agency_code"], r["item_key"], r["submitted"]) for r in mine] == [
        ("140525", "inpatient-reimbursement", 1)]
    clerk = as_staff("zezhou", "accept").get("/api/staff/ledger", period)
    assert clerk.status_code == 403
    backwards = as_staff("zezhou", "supervise").get("/api/staff/ledger", {"start": "2026-09-30", "end": "2026-09-01"})
    assert backwards.status_code == 422


# --- OpenAPI -------------------------------------------------------------------------------------------------

def test_openapi_documents_the_new_paths_and_their_responses(client, db):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/auth/token", "/api/items/{city}/{key}/checklist", "/api/cases", "/api/cases/{number}",
                 "/api/cases/{number}/withdraw", "/api/cases/{number}/resubmit",
                 "/api/cases/{number}/evaluation", "/api/staff/todo", "/api/staff/cases",
                 "/api/staff/cases/{number}", "/api/staff/cases/{number}/accept",
                 "/api/staff/cases/{number}/notice", "/api/staff/cases/{number}/refuse",
                 "/api/staff/cases/{number}/advance", "/api/staff/cases/{number}/resubmit",
                 "/api/staff/ledger", "/api/progress"):
        assert path in paths, path
    submit_op = paths["/api/cases"]["post"]
    assert {"201", "401", "403", "404", "409", "422"} <= set(submit_op["responses"])
    assert submit_op["security"] == [{"TokenAuth": []}]
    assert set(paths["/api/auth/token"]) == {"post", "get", "delete"}
    assert "security" not in paths["/api/progress"]["get"]
    assert "TokenAuth" in schema["components"]["securitySchemes"]
    assert PDF_B64  # the fixtures' sample scan is a real PDF header


@pytest.mark.parametrize("limit", ["5_0", " 5 ", "5.0", "+5", "1e2", "true", "999999999999999999999"])
def test_a_garbage_limit_is_refused_naming_the_field(as_person, limit):
    response = as_person.get("/api/cases", {"limit": limit})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_an_offset_past_any_real_list_is_refused(as_person):
    response = as_person.get("/api/cases", {"offset": "999999999"})
    assert response.status_code == 422 and "字段 起始位置：不能大于 100000" in response.json()["detail"]
