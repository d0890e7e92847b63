"""A reimbursement claim from filing to 办结: the lines' money stages, the settlement, the payment."""

from decimal import Decimal

import pytest

from tests.reimbursement.conftest import claim_form, current_item, handle_to_end, submit
from yibao.cases.models import CaseStatus
from yibao.cases.services import MoveNotAllowed, accept_case, advance_case
from yibao.payments.models import Payment
from yibao.reimbursement.models import AdjustReason, Claim, ClaimStatus, ReimbursedBill
from yibao.reimbursement.services import adjust_line
from yibao.rules.models import YearUsage

pytestmark = pytest.mark.django_db


@pytest.fixture
def inpatient(catalog):
    return current_item("jincheng", "inpatient-reimbursement")


def test_a_retired_employee_is_reimbursed_for_a_stay_in_a_local_hospital(inpatient, make_insured, clerks):
    person = make_insured("jincheng")
    case = handle_to_end(submit(inpatient, person, claim_form(person)), clerks["jincheng"])

    assert case.status == CaseStatus.COMPLETED
    claim = Claim.objects.get(case=case)
    # By hand (Jincheng demo parameters, 职工 退休, 二级, 住院): total 3 300; 丙 300 全自费; 乙 2 000 × 10 %
    # = 200 先行自付; in policy 2 800; 起付线 600; 统筹 (2 800 − 600) × 90 % = 1 980; 大额 0 (below 10 000).
    assert claim.settlement["fields"]["医疗费总额"] == "3300.00"
    assert claim.settlement["fields"]["实际支付起付线"] == "600.00"
    assert claim.fund_paid == Decimal("1980.00") and claim.personal_paid == Decimal("1320.00")
    assert claim.fund_paid + claim.personal_paid == claim.claimed_total
    assert claim.status == ClaimStatus.SETTLED and claim.settlement["demo"] is True
    payment = Payment.objects.get(case=case)
    assert (payment.fund, payment.amount, payment.payee.identifier) == ("310100", Decimal("1980.00"),
                                                                        person.id_number)
    usage = YearUsage.objects.get(person=person, insurance_type="310")
    assert usage.deductible_used == Decimal("600.00") and usage.fund_paid == Decimal("1980.00")
    assert set(ReimbursedBill.objects.values_list("bill_number", flat=True)) == {"JC2026000001"}


def test_without_the_referral_form_jincheng_lowers_the_ratio_by_15_points(inpatient, make_insured, clerks):
    person = make_insured("jincheng")
    form = claim_form(person, referral="未办理转诊转院审批")
    case = handle_to_end(submit(inpatient, person, form), clerks["jincheng"])

    claim = Claim.objects.get(case=case)
    # 90 % − 15 points (晋城经办指南 §五, demo split by hospital level) = 75 %: (2 800 − 600) × 75 % = 1 650.
    assert claim.fund_paid == Decimal("1650.00")
    assert any(step["parameter"] == "referral_deduction" for step in claim.settlement["steps"])


def test_the_reviewer_lowers_a_line_with_a_reason_and_the_claimed_amount_stays(inpatient, make_insured, clerks):
    person = make_insured("jincheng")
    people = clerks["jincheng"]
    case = accept_case(case=submit(inpatient, person, claim_form(person)), staff=people["accept"])

    adjust_line(case=case, staff=people["review"], row=1, amount=Decimal("800"), reason=AdjustReason.QUANTITY,
                note="床位费按实际住院天数核减")
    case = advance_case(case=case, staff=people["review"], action="review")

    line = Claim.objects.get(case=case).lines.get(row=1)
    assert (line.claimed_amount, line.adjusted_amount, line.approved_amount) == (
        Decimal("1000.00"), Decimal("800.00"), Decimal("800.00"))
    assert line.adjust_reason == "05"
    assert Claim.objects.get(case=case).approved_total == Decimal("3100.00")


@pytest.mark.parametrize("amount, reason, message", [
    (Decimal("1200"), AdjustReason.QUANTITY, "须在 0 至申报金额 1000.00 元之间"),
    (Decimal("-1"), AdjustReason.QUANTITY, "须在 0 至申报金额"),
    (Decimal("900"), "77", "字段 第 1 行 调整原因"),
    (Decimal("900"), AdjustReason.OTHER, "调整原因为「其他」时必须写明"),
])
def test_a_bad_adjustment_is_refused_naming_the_field(inpatient, make_insured, clerks, amount, reason, message):
    person = make_insured("jincheng")
    people = clerks["jincheng"]
    case = accept_case(case=submit(inpatient, person, claim_form(person)), staff=people["accept"])
    with pytest.raises(Exception, match=message):
        adjust_line(case=case, staff=people["review"], row=1, amount=amount, reason=reason)
    assert Claim.objects.get(case=case).lines.get(row=1).adjusted_amount is None


def test_a_clerk_without_the_review_role_cannot_adjust(inpatient, make_insured, clerks):
    person = make_insured("jincheng")
    people = clerks["jincheng"]
    case = accept_case(case=submit(inpatient, person, claim_form(person)), staff=people["accept"])
    with pytest.raises(Exception, match="需要「审核」角色"):
        adjust_line(case=case, staff=people["pay"], row=1, amount=Decimal("1"), reason=AdjustReason.QUANTITY)


def test_a_large_claim_needs_a_second_person_before_payment(inpatient, make_insured, clerks, settings):
    settings.REIMBURSEMENT_SECOND_REVIEW_ABOVE = "3000"
    person = make_insured("jincheng")
    people = clerks["jincheng"]
    case = submit(inpatient, person, claim_form(person))
    assert "复审" in case.steps
    case = accept_case(case=case, staff=people["accept"])
    case = advance_case(case=case, staff=people["review"], action="review")
    with pytest.raises(MoveNotAllowed):
        advance_case(case=case, staff=people["pay"], action="pay")  # 复审 comes first
    with pytest.raises(MoveNotAllowed):
        advance_case(case=case, staff=people["review"], action="second_review")  # not the same person
    case = advance_case(case=case, staff=people["second_review"], action="second_review")
    case = advance_case(case=case, staff=people["pay"], action="pay")
    assert case.status == CaseStatus.PAID


def test_a_small_claim_goes_without_second_review(inpatient, make_insured):
    person = make_insured("jincheng")
    assert "复审" not in submit(inpatient, person, claim_form(person)).steps


def test_paying_twice_pays_once(inpatient, make_insured, clerks):
    from yibao.reimbursement.fields import ClaimFields
    from yibao.reimbursement.services import pay_claim

    person = make_insured("jincheng")
    people = clerks["jincheng"]
    case = accept_case(case=submit(inpatient, person, claim_form(person)), staff=people["accept"])
    case = advance_case(case=case, staff=people["review"], action="review")
    case = advance_case(case=case, staff=people["pay"], action="pay")
    pay_claim(case=case, fields=ClaimFields.model_validate(case.form_data), actor="retry")
    assert Payment.objects.filter(case=case).count() == 1
    assert YearUsage.objects.get(person=person).settlements == 1
