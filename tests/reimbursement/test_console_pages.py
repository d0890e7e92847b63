"""The console pages of 零星报销: 审核调整 per line with its reason code (stages and calculation
shown) and the 意外伤害认定's 调查 and 认定. Bad input is refused with a Chinese message naming
the field or line, nothing changes, and every change is audited."""

from decimal import Decimal

import pytest

from tests.reimbursement.conftest import claim_form, current_item, days_ago, submit
from yibao.audit.models import AuditEntry
from yibao.cases import lifecycle
from yibao.cases.models import CaseStatus, Outcome
from yibao.cases.services import accept_case, advance_case
from yibao.reimbursement.models import AccidentDetermination, AccidentOutcome, ClaimLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted_claim(catalog, make_insured, clerks):
    person = make_insured("jincheng")
    item = current_item("jincheng", "inpatient-reimbursement")
    return accept_case(case=submit(item, person, claim_form(person, bills=["JC-C1"])),
                       staff=clerks["jincheng"]["accept"])


def claim_url(case, suffix=""):
    return f"/console/reimbursement/claims/{case.number}/{suffix}"


def line(case, row):
    return ClaimLine.objects.get(claim__case=case, row=row)


def test_the_reviewer_reaches_the_claim_from_the_case_page_and_sees_stages_and_calculation(
        client, accepted_claim, clerks):
    client.force_login(clerks["jincheng"]["review"].user)
    case_page = client.get(f"/console/cases/{accepted_claim.number}/").content.decode()
    assert claim_url(accepted_claim) in case_page
    page = client.get(claim_url(accepted_claim)).content.decode()
    assert "注射用头孢曲松钠" in page and "申报金额" in page and "未调整" in page
    assert "结算试算" in page and "计算步骤" in page and "统筹基金支出" in page
    assert 'name="amount"' in page  # the adjustment form


def test_a_line_adjusted_with_its_reason_keeps_the_claimed_amount_and_is_audited(client, accepted_claim, clerks):
    reviewer = clerks["jincheng"]["review"]
    client.force_login(reviewer.user)
    response = client.post(claim_url(accepted_claim, "adjust/"),
                           {"row": "2", "amount": "1500.00", "reason": "05", "note": "用量超出合理范围"})
    assert response.status_code == 302
    adjusted = line(accepted_claim, 2)
    assert (adjusted.claimed_amount, adjusted.adjusted_amount) == (Decimal("2000.00"), Decimal("1500.00"))
    assert adjusted.adjust_reason == "05" and adjusted.adjusted_by == reviewer.user.username
    entry = AuditEntry.objects.get(action="reimbursement.line.adjust", object_id=accepted_claim.number)
    assert entry.after["row"] == 2 and entry.after["reason"] == "05"
    page = client.get(claim_url(accepted_claim)).content.decode()
    assert "1500.00（05 数量超出合理用量：用量超出合理范围）" in page

    # 审核 fixes the 核准 amounts from the adjustment; the page then shows all three stages, read only.
    case = advance_case(case=accepted_claim, staff=clerks["jincheng"]["review2"], action="review", opinion="同意")
    assert line(case, 2).approved_amount == Decimal("1500.00")
    page = client.get(claim_url(case)).content.decode()
    assert 'name="amount"' not in page and "不能再调整" in page


@pytest.mark.parametrize(("data", "status", "message"), [
    ({"row": "2", "amount": "一千", "reason": "05"}, 400, "字段 第 2 行 调整后金额：须为金额"),
    ({"row": "1", "amount": "1200", "reason": "05"}, 422, "字段 第 1 行 调整后金额：须在 0 至申报金额 1000.00 元之间"),
    ({"row": "1", "amount": "-1", "reason": "05"}, 422, "字段 第 1 行 调整后金额：须在 0 至申报金额"),
    ({"row": "1", "amount": "NaN", "reason": "05"}, 400, "字段 第 1 行 调整后金额：须为金额"),
    ({"row": "1", "amount": "900", "reason": "99"}, 422, "字段 第 1 行 调整说明：调整原因为「其他」时必须写明"),
    ({"row": "1", "amount": "900", "reason": "42"}, 400, "字段 第 1 行 调整原因：请选择调整原因"),
    ({"row": "9", "amount": "1", "reason": "01"}, 422, "字段 行号：费用明细没有第 9 行"),
    ({"row": "", "amount": "1", "reason": "01"}, 400, "字段 行号：请选择要调整的费用明细行"),
    ({"row": "1", "amount": "900", "reason": "01", "note": "a\x07b"}, 422, "字段 第 1 行 调整说明"),
])
def test_bad_adjustments_are_refused_naming_the_line_and_change_nothing(client, accepted_claim, clerks, data, status,
                                                                         message):
    client.force_login(clerks["jincheng"]["review"].user)
    response = client.post(claim_url(accepted_claim, "adjust/"), data)
    assert response.status_code == status  # 400 the form's parse, 422 the service's validation
    assert message in response.content.decode()
    assert not ClaimLine.objects.filter(claim__case=accepted_claim, adjusted_amount__isnull=False).exists()
    assert not AuditEntry.objects.filter(action="reimbursement.line.adjust").exists()


def test_only_the_home_agencys_reviewer_adjusts(client, accepted_claim, clerks):
    client.force_login(clerks["jincheng"]["accept"].user)
    response = client.post(claim_url(accepted_claim, "adjust/"), {"row": "1", "amount": "900", "reason": "01"})
    assert response.status_code == 403 and "需要「审核」角色" in response.content.decode()
    client.force_login(clerks["taiyuan"]["review"].user)
    assert client.get(claim_url(accepted_claim)).status_code == 404
    assert client.post(claim_url(accepted_claim, "adjust/"),
                       {"row": "1", "amount": "900", "reason": "01"}).status_code == 404
    assert line(accepted_claim, 1).adjusted_amount is None


def test_anonymous_users_go_to_the_login_and_persons_are_refused(client, accepted_claim, make_insured):
    response = client.get(claim_url(accepted_claim))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- 意外伤害认定 ---------------------------------------------------------------------------------

@pytest.fixture
def accident_case(catalog, make_insured, clerks):
    person = make_insured("jincheng")
    item = current_item("jincheng", "accident-injury-determination")
    form = {"insured_name": person.name, "insured_id_number": person.id_number,
            "accident_date": days_ago(22).isoformat(), "accident_place": "泽州县金村镇",
            "description": "骑电动车与机动车相撞", "evidence": "交警事故认定书", "third_party": "晋E12345 车主",
            "institution_name": "晋城市人民医院"}
    return accept_case(case=submit(item, person, form, situations=["市外住院"]), staff=clerks["jincheng"]["accept"])


def accident_url(case, suffix=""):
    return f"/console/reimbursement/accidents/{case.number}/{suffix}"


@pytest.mark.parametrize(("data", "message"), [
    ({"notes": "经核实", "third_party_liable": ""}, "字段 有无责任第三方：请选择"),
    ({"notes": "经核实", "third_party_liable": "yes", "third_party": ""}, "字段 责任第三方：调查认定有责任第三方时须写明"),
    ({"notes": "   ", "third_party_liable": "no"}, "字段 调查记录：必填"),
    ({"notes": "经核实", "third_party_liable": "no", "window": "999999"}, "字段 窗口"),
])
def test_a_bad_investigation_is_refused_naming_the_field(client, accident_case, clerks, data, message):
    client.force_login(clerks["jincheng"]["review"].user)
    response = client.post(accident_url(accident_case, "investigate/"), data)
    assert response.status_code in (400, 422) and message in response.content.decode()
    determination = AccidentDetermination.objects.get(case=accident_case)
    assert determination.investigation_notes == "" and determination.investigated_at is None
    accident_case.refresh_from_db()
    assert accident_case.status == CaseStatus.ACCEPTED
    assert not AuditEntry.objects.filter(action="reimbursement.accident.investigate").exists()


def test_investigation_with_a_liable_third_party_then_not_eligible(client, accident_case, clerks):
    reviewer = clerks["jincheng"]["review"]
    client.force_login(reviewer.user)
    assert accident_url(accident_case) in client.get(f"/console/cases/{accident_case.number}/").content.decode()
    response = client.post(accident_url(accident_case, "investigate/"), {
        "investigator": "王调查", "third_party_liable": "yes", "third_party": "晋E12345 车主",
        "notes": "调取交警事故认定书，对方机动车负全部责任"})
    assert response.status_code == 302
    determination = AccidentDetermination.objects.get(case=accident_case)
    assert (determination.investigator, determination.third_party_liable, determination.third_party) == (
        "王调查", True, "晋E12345 车主")
    audit = AuditEntry.objects.get(action="reimbursement.accident.investigate")
    assert audit.after["third_party_liable"] is True and audit.after["investigator"] == "王调查"
    page = client.get(accident_url(accident_case)).content.decode()
    assert "有：晋E12345 车主" in page and 'name="outcome"' in page

    # 符合 despite a liable third party needs a reason (the fund only pays in advance, art. 30).
    response = client.post(accident_url(accident_case, "determine/"), {"outcome": "eligible", "reason": ""})
    assert response.status_code == 422 and "字段 认定理由：调查认定有责任第三方（晋E12345 车主）" in response.content.decode()
    assert AccidentDetermination.objects.get(case=accident_case).outcome == ""
    response = client.post(accident_url(accident_case, "determine/"), {"outcome": "maybe"})
    assert response.status_code == 400 and "字段 认定结论" in response.content.decode()

    response = client.post(accident_url(accident_case, "determine/"),
                           {"outcome": "ineligible", "reason": "应由第三人负担（社会保险法第三十条）"})
    assert response.status_code == 302
    determination.refresh_from_db()
    accident_case.refresh_from_db()
    assert determination.outcome == AccidentOutcome.INELIGIBLE
    assert accident_case.status == CaseStatus.COMPLETED and accident_case.outcome == Outcome.DENIED
    assert AuditEntry.objects.filter(action="reimbursement.accident.decide", object_id=accident_case.number).exists()


def test_an_eligible_determination_through_the_pages(client, accident_case, clerks):
    client.force_login(clerks["jincheng"]["review"].user)
    client.post(accident_url(accident_case, "investigate/"),
                {"third_party_liable": "no", "notes": "本人骑车自行摔倒，邻居证明"})
    assert client.post(accident_url(accident_case, "determine/"), {"outcome": "eligible"}).status_code == 302
    accident_case.refresh_from_db()
    assert AccidentDetermination.objects.get(case=accident_case).outcome == AccidentOutcome.ELIGIBLE
    assert lifecycle.next_step(accident_case.steps, accident_case.status).action == "complete"


def test_the_receptionist_sees_the_record_but_cannot_investigate(client, accident_case, clerks):
    client.force_login(clerks["jincheng"]["accept"].user)
    page = client.get(accident_url(accident_case)).content.decode()
    assert "骑电动车与机动车相撞" in page and 'name="notes"' not in page
    response = client.post(accident_url(accident_case, "investigate/"), {"third_party_liable": "no", "notes": "x"})
    assert response.status_code == 403
    assert AccidentDetermination.objects.get(case=accident_case).investigation_notes == ""
