"""The action forms of the case detail: acceptance check, refusal, the next step, 补正."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cases.conftest import PDF
from yibao.cases.models import CaseEvent, CaseMaterial, CaseNotice, CaseStatus, Outcome
from yibao.cases.services import Upload, accept_case, issue_notice

pytestmark = pytest.mark.django_db


def all_ok(case, **extra):
    data = {f"state_{m.position}": "ok" for m in case.materials.all()}
    data.update(extra)
    return data


def test_the_detail_shows_applicant_materials_history_and_the_check_form(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["accept"].user)
    html = client.get(f"/console/cases/{case.number}/").content.decode()
    assert case.applicant_id_number in html  # full ID on the detail page
    assert "住院医疗费用手工报销" in html or reimbursement.name in html
    assert "网上服务大厅" in html and "泽州县医疗保障服务中心" in html
    assert "/console/files/" in html and "0.pdf" in html
    assert "提交申请" in html  # the history
    assert "受理检查" in html and "不予受理" in html
    assert "提交审核" not in html


def test_accept_with_every_material_complete(client, reimbursement, apply, staff, windows):
    case = apply(reimbursement)
    client.force_login(staff["gaoping"]["accept"].user)
    response = client.post(f"/console/cases/{case.number}/check/",
                           all_ok(case, window=windows["gaoping"].pk), follow=True)
    assert response.status_code == 200
    assert f"办件 {case.number} 已受理" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.accepting_window == windows["gaoping"]
    assert case.is_cross_agency
    assert "通办" in response.content.decode()
    event = case.events.get(action="accept")
    assert event.window == windows["gaoping"] and event.channel == "window"


def test_two_missing_lines_give_one_notice_listing_both(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["accept"].user)
    data = all_ok(case, state_2="missing", reason_2="缺少住院病历复印件",
                  state_3="defective", reason_3="社保卡复印件模糊")
    response = client.post(f"/console/cases/{case.number}/check/", data)
    assert response.status_code == 302
    notice = CaseNotice.objects.get(case=case)
    assert response["Location"] == f"/console/cases/{case.number}/?notice={notice.number}"
    assert [(p["position"], p["state"], p["problem"]) for p in notice.problems] == [
        (2, "缺少", "缺少住院病历复印件"), (3, "不符合要求", "社保卡复印件模糊")]
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENTING
    html = client.get(response["Location"]).content.decode()
    assert f"/hall/cases/{case.number}/notices/{notice.number}.pdf" in html
    assert "共 2 项材料需补正" in html


def test_the_notice_names_every_material_the_system_knows_is_missing(client, reimbursement, apply, staff):
    # 行政许可法第三十二条: the clerk ticks only the defective copy; the required materials
    # with neither a scan nor a commitment (0–2 here) are on the notice all the same.
    case = apply(reimbursement, uploads={0: [], 1: []})
    client.force_login(staff["zezhou"]["accept"].user)
    client.post(f"/console/cases/{case.number}/check/", all_ok(case, state_3="defective", reason_3="社保卡复印件模糊"))
    notice = CaseNotice.objects.get(case=case)
    assert [(p["position"], p["state"], p["problem"]) for p in notice.problems] == [
        (0, "缺少", "未提交该材料"), (1, "缺少", "未提交该材料"), (2, "缺少", "未提交该材料"),
        (3, "不符合要求", "社保卡复印件模糊")]


def test_a_non_complete_line_without_a_reason_is_refused(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["accept"].user)
    data = all_ok(case, state_2="missing", reason_2="缺少病历", state_3="missing", reason_3=" ")
    response = client.post(f"/console/cases/{case.number}/check/", data)
    assert response.status_code == 400
    assert "请写明需补正的原因：社保卡(复印件)" in response.content.decode()
    assert not CaseNotice.objects.filter(case=case).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert not case.materials.exclude(state=CaseMaterial.State.PENDING).exists()


def test_every_line_needs_a_result(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["accept"].user)
    data = all_ok(case)
    del data["state_1"]
    response = client.post(f"/console/cases/{case.number}/check/", data)
    assert response.status_code == 400 and "住院费用汇总清单" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_an_optional_line_marked_missing_does_not_stop_acceptance(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["accept"].user)
    client.post(f"/console/cases/{case.number}/check/", all_ok(case, state_4="missing", reason_4="无转诊"))
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED


def test_marking_complete_what_was_never_uploaded_is_refused_by_the_engine(client, reimbursement, apply, staff):
    case = apply(reimbursement, uploads={0: [Upload("票据.pdf", PDF)]})
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.post(f"/console/cases/{case.number}/check/", all_ok(case))
    assert response.status_code == 403 and "材料不齐全" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_a_window_of_another_agency_is_refused(client, reimbursement, apply, staff, windows):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.post(f"/console/cases/{case.number}/check/", all_ok(case, window=windows["gaoping"].pk))
    assert response.status_code == 400 and "字段 窗口" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_a_clerk_without_the_accept_role_sees_no_check_and_is_refused(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["review"].user)
    assert "受理检查" not in client.get(f"/console/cases/{case.number}/").content.decode()
    response = client.post(f"/console/cases/{case.number}/check/", all_ok(case))
    assert response.status_code == 403 and "没有「受理」权限" in response.content.decode()


def test_refusal_needs_a_reason(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.post(f"/console/cases/{case.number}/refuse/", {"reason": " "})
    assert response.status_code == 400 and "不予受理理由：必填" in response.content.decode()
    response = client.post(f"/console/cases/{case.number}/refuse/", {"reason": "不属于医保支付范围"}, follow=True)
    assert "已不予受理" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.REFUSED and case.refusal_reason == "不属于医保支付范围"


def test_review_by_the_home_agency(client, reimbursement, apply, staff, windows):
    case = accept_case(case=apply(reimbursement), staff=staff["gaoping"]["accept"], window=windows["gaoping"])
    client.force_login(staff["gaoping"]["review"].user)
    assert client.get(f"/console/cases/{case.number}/").status_code == 200
    assert "提交审核" not in client.get(f"/console/cases/{case.number}/").content.decode()
    response = client.post(f"/console/cases/{case.number}/advance/", {"action": "review", "opinion": "同意"})
    assert response.status_code == 403 and "不是该办件的所属经办机构" in response.content.decode()

    client.force_login(staff["zezhou"]["review"].user)
    html = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "提交审核" in html and "不予批准" in html
    response = client.post(f"/console/cases/{case.number}/advance/",
                           {"action": "review", "opinion": "材料齐全，同意"}, follow=True)
    assert "已审核" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEWED
    assert case.events.get(action="review").opinion == "材料齐全，同意"


def test_pay_before_review_is_refused_with_the_chinese_message(client, reimbursement, apply, staff):
    case = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])
    client.force_login(staff["zezhou"]["pay"].user)
    assert "提交拨付" not in client.get(f"/console/cases/{case.number}/").content.decode()
    before = CaseEvent.objects.filter(case=case).count()
    response = client.post(f"/console/cases/{case.number}/advance/", {"action": "pay", "opinion": "拨付"})
    assert response.status_code == 403
    assert "下一环节是「审核」，不能「拨付」" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and CaseEvent.objects.filter(case=case).count() == before


def test_denial_needs_an_opinion(client, reimbursement, apply, staff):
    case = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])
    client.force_login(staff["zezhou"]["review"].user)
    url = f"/console/cases/{case.number}/advance/"
    response = client.post(url, {"action": "review", "decision": "deny", "opinion": ""})
    assert response.status_code == 400 and "不予批准时必须写明理由" in response.content.decode()
    response = client.post(url, {"action": "review", "decision": "maybe"})
    assert response.status_code == 400 and "字段 办理决定" in response.content.decode()
    client.post(url, {"action": "review", "decision": "deny", "opinion": "票据为复印件"})
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.outcome == Outcome.DENIED


def test_the_whole_way_to_completion_through_the_console(client, reimbursement, apply, staff):
    case = accept_case(case=apply(reimbursement), staff=staff["zezhou"]["accept"])
    for role, action in (("review", "review"), ("pay", "pay"), ("pay", "complete")):
        client.force_login(staff["zezhou"][role].user)
        response = client.post(f"/console/cases/{case.number}/advance/", {"action": action, "opinion": "同意"})
        assert response.status_code == 302, response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.outcome == Outcome.APPROVED


def test_a_stale_form_gets_a_conflict(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    client.force_login(staff["zezhou"]["accept"].user)
    client.post(f"/console/cases/{case.number}/check/", all_ok(case))
    response = client.post(f"/console/cases/{case.number}/check/", all_ok(case))
    assert response.status_code == 403 and "不能受理" in response.content.decode()


def test_supplements_at_the_window(client, reimbursement, apply, staff, windows):
    case = apply(reimbursement, uploads={0: [Upload("票据.pdf", PDF)], 1: [Upload("票据.pdf", PDF)]})
    issue_notice(case=case, staff=staff["zezhou"]["accept"], problems={2: "缺少", 3: "缺少"})
    client.force_login(staff["zezhou"]["accept"].user)
    html = client.get(f"/console/cases/{case.number}/").content.decode()
    assert "窗口代为补正" in html and 'name="file_2"' in html and 'name="file_0"' not in html
    url = f"/console/cases/{case.number}/resubmit/"
    response = client.post(url, {"file_2": SimpleUploadedFile("病历.pdf", PDF)})
    assert response.status_code == 400 and "以下材料尚未补正：社保卡(复印件)" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENTING
    response = client.post(url, {"file_2": SimpleUploadedFile("病历.pdf", PDF),
                                 "file_3": SimpleUploadedFile("社保卡.pdf", PDF),
                                 "window": windows["zezhou"].pk})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    event = case.events.get(action="resubmit")
    assert event.window == windows["zezhou"] and event.agency == staff["zezhou"]["accept"].agency


def test_a_bad_upload_in_the_supplement_is_refused(client, reimbursement, apply, staff):
    case = apply(reimbursement)
    issue_notice(case=case, staff=staff["zezhou"]["accept"], problems={2: "缺少"})
    client.force_login(staff["zezhou"]["accept"].user)
    response = client.post(f"/console/cases/{case.number}/resubmit/",
                           {"file_2": SimpleUploadedFile("病历.exe", b"MZ\x90\x00")})
    assert response.status_code == 400 and "不是 PDF、JPG 或 PNG 文件" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUPPLEMENTING
