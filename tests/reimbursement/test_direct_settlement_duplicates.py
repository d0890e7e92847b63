"""A bill already settled directly by an institution's monthly declaration (issue 14) is not
reimbursed by hand: refused at filing, and again at 拨付 when the declaration arrived meanwhile."""

import datetime
from decimal import Decimal

import pytest

from tests.reimbursement.conftest import claim_form, current_item, days_ago, handle_to_end, submit
from yibao.cases import lifecycle
from yibao.cases.models import Case, CaseStatus
from yibao.cases.services import CaseError, InvalidApplication, accept_case, advance_case
from yibao.payments.models import Payment
from yibao.reimbursement.models import Claim, ReimbursedBill
from yibao.settlement.models import Declaration, DeclarationStatus, SettlementRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def jincheng_inpatient(catalog):
    return current_item("jincheng", "inpatient-reimbursement")


def declare_direct(agency, person, *, settlement_id, begin, end, code="H14052500001",
                   status=DeclarationStatus.DECLARED, problem_code=""):
    """The hospital's month holding one direct settlement of this person (arranged directly)."""
    declaration, _ = Declaration.objects.get_or_create(
        institution_code=code, month=end.replace(day=1),
        defaults={"institution_name": "晋城市人民医院", "agency": agency, "status": status})
    return SettlementRecord.objects.create(
        declaration=declaration, row=1, settlement_id=settlement_id, person_id_number=person.id_number,
        insurance_type="310", med_type="21", begin_date=begin, end_date=end, total=Decimal("3300.00"),
        fund_total=Decimal("2000.00"), personal_total=Decimal("1300.00"), problem_code=problem_code)


def refused(item, person, form, match):
    before = Case.objects.count()
    with pytest.raises(InvalidApplication, match=match):
        submit(item, person, form)
    assert Case.objects.count() == before


def test_a_bill_settled_directly_is_refused_naming_the_bill_the_institution_and_the_month(
        jincheng_inpatient, make_insured, agencies):
    person = make_insured("jincheng")
    admission = days_ago(20)
    declare_direct(agencies["jincheng"], person, settlement_id="JS-7788", begin=admission - datetime.timedelta(days=40),
                   end=admission - datetime.timedelta(days=35))
    form = claim_form(person, bills=["JC-100", "JS-7788"], admission=admission)
    refused(jincheng_inpatient, person, form,
            r"票据 JS-7788 的费用已由晋城市人民医院（H14052500001）在 \d{4}年\d{2}月 的月度申报中直接结算"
            r"（结算编号 JS-7788")


def test_the_same_stay_settled_directly_at_the_same_hospital_is_refused(jincheng_inpatient, make_insured, agencies):
    person = make_insured("jincheng")
    admission = days_ago(20)
    discharge = admission + datetime.timedelta(days=5)
    declare_direct(agencies["jincheng"], person, settlement_id="JS-1", begin=admission, end=discharge)
    refused(jincheng_inpatient, person, claim_form(person, bills=["JC-200"], admission=admission, discharge=discharge),
            f"票据 JC-200 的费用已由晋城市人民医院.*直接结算（结算编号 JS-1，就医 {admission:%Y-%m-%d} 至 "
            f"{discharge:%Y-%m-%d}）")


def test_drafts_refused_records_and_other_persons_do_not_block_a_claim(
        jincheng_inpatient, make_insured, agencies, clerks):
    person, other = make_insured("jincheng"), make_insured("jincheng")
    admission = days_ago(20)
    declare_direct(agencies["jincheng"], other, settlement_id="JC-300", begin=admission, end=admission)
    declare_direct(agencies["jincheng"], person, settlement_id="JC-301", begin=admission, end=admission,
                   code="H14052500002", status=DeclarationStatus.DRAFT)
    declare_direct(agencies["jincheng"], person, settlement_id="JC-302", begin=admission, end=admission,
                   code="H14052500003", problem_code="DUPLICATE")
    case = handle_to_end(submit(jincheng_inpatient, person,
                                claim_form(person, bills=["JC-300", "JC-301", "JC-302"], admission=admission)),
                         clerks["jincheng"])
    assert case.status == CaseStatus.COMPLETED


def test_a_direct_settlement_declared_after_acceptance_stops_the_payment(jincheng_inpatient, make_insured, agencies,
                                                                          clerks):
    people = clerks["jincheng"]
    person = make_insured("jincheng")
    admission = days_ago(20)
    case = accept_case(case=submit(jincheng_inpatient, person, claim_form(person, bills=["JC-400"],
                                                                          admission=admission)),
                       staff=people["accept"])
    case = advance_case(case=case, staff=people["review"], action=lifecycle.next_step(case.steps, case.status).action)
    declare_direct(agencies["jincheng"], person, settlement_id="JC-400", begin=admission, end=admission)
    with pytest.raises(CaseError, match="票据 JC-400 的费用已由晋城市人民医院"):
        advance_case(case=case, staff=people["pay"], action="pay")
    case.refresh_from_db()
    assert case.status == CaseStatus.REVIEWED
    assert not Payment.objects.exists() and not ReimbursedBill.objects.exists()
    assert Claim.objects.get(case=case).fund_paid is None


def test_a_bill_reimbursed_by_hand_is_flagged_when_the_institution_declares_it_later(
        jincheng_inpatient, make_insured, agencies, clerks):
    """The reverse of the checks above (issue 14 §2): the institution's monthly validation marks a
    settlement whose number is a bill this person was already paid for by hand, and the rule review
    deducts it, so the fund never pays the same bill twice."""
    from yibao.settlement import validation

    person = make_insured("jincheng")
    case = submit(jincheng_inpatient, person, claim_form(person, bills=["JS-9001"]))
    handle_to_end(case, clerks["jincheng"])
    assert ReimbursedBill.objects.filter(bill_number="JS-9001").exists()

    day = days_ago(3)
    record = declare_direct(agencies["jincheng"], person, settlement_id="JS-9001", begin=day, end=day)
    other = SettlementRecord.objects.create(
        declaration=record.declaration, row=2, settlement_id="JS-9002", person_id_number=person.id_number,
        insurance_type="310", med_type="21", begin_date=day, end_date=day, total=Decimal("3300.00"),
        fund_total=Decimal("2000.00"), personal_total=Decimal("1300.00"))
    SettlementRecord.objects.filter(pk__in=[record.pk, other.pk]).update(
        pooled_employee=Decimal("2000.00"), cash_pay=Decimal("1300.00"))

    counts = validation.validate_month(record.declaration)
    record.refresh_from_db()
    other.refresh_from_db()
    assert counts.get("REIMBURSED") == 1
    assert record.problem_code == "REIMBURSED" and "零星（手工）报销" in record.problem
    assert other.problem_code != "REIMBURSED"
