"""意外伤害费用纳入医保支付范围认定 (Jincheng 七): 申请—调查—认定, and its effect on a claim."""

import pytest

from tests.reimbursement.conftest import claim_form, current_item, days_ago, handle_to_end, submit
from yibao.cases.models import CaseStatus, Outcome
from yibao.cases.services import InvalidApplication, MoveNotAllowed, accept_case, advance_case
from yibao.reimbursement.models import AccidentDetermination, AccidentOutcome, Claim
from yibao.reimbursement.services import (
    ReimbursementError,
    determine_accident,
    investigate_accident,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def determination_item(catalog):
    return current_item("jincheng", "accident-injury-determination")


def accident_form(person, **overrides):
    return {"insured_name": person.name, "insured_id_number": person.id_number,
            "accident_date": days_ago(22).isoformat(), "accident_place": "泽州县金村镇", "description": "下楼时摔倒",
            "evidence": "意外伤害符合医保支付政策承诺书", "third_party": "无", "institution_name": "郑州大学第一附属医院",
            **overrides}


def accepted(item, person, clerks):
    return accept_case(case=submit(item, person, accident_form(person), situations=["市外住院"]),
                       staff=clerks["jincheng"]["accept"])


def test_an_accident_found_eligible_lets_the_fund_pay_the_stay(determination_item, make_insured, clerks):
    person = make_insured("jincheng")
    people = clerks["jincheng"]
    case = accepted(determination_item, person, clerks)
    assert case.due_date is not None  # 20 working days from acceptance
    investigate_accident(case=case, staff=people["review"], notes="本人在家中下楼摔倒，无第三方，邻居证明")
    determine_accident(case=case, staff=people["review"], eligible=True, reason="")
    case = advance_case(case=case, staff=people["review"], action="complete")
    assert case.status == CaseStatus.COMPLETED and case.outcome == Outcome.APPROVED
    assert AccidentDetermination.objects.get(case=case).outcome == AccidentOutcome.ELIGIBLE

    inpatient = current_item("jincheng", "inpatient-reimbursement")
    claim_case = handle_to_end(submit(inpatient, person, claim_form(person, accident=True, med_type="22")), people)
    claim = Claim.objects.get(case=claim_case)
    assert claim.accident_determination.case == case and claim.fund_paid > 0


def test_an_accident_with_a_liable_third_party_is_not_eligible_and_the_person_bears_it(
        determination_item, make_insured, clerks):
    person = make_insured("jincheng")
    people = clerks["jincheng"]
    case = accepted(determination_item, person, clerks)
    investigate_accident(case=case, staff=people["review"], notes="交通事故，对方机动车负全部责任")
    determine_accident(case=case, staff=people["review"], eligible=False,
                       reason="应由第三人负担（社会保险法第三十条）")
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED and case.outcome == Outcome.DENIED
    assert "社会保险法第三十条" in case.refusal_reason

    inpatient = current_item("jincheng", "inpatient-reimbursement")
    with pytest.raises(InvalidApplication, match="没有 .* 间「符合」的意外伤害认定"):
        submit(inpatient, person, claim_form(person, accident=True, med_type="22"))


def test_not_eligible_needs_a_reason_and_investigating_needs_notes(determination_item, make_insured, clerks):
    person = make_insured("jincheng")
    people = clerks["jincheng"]
    case = accepted(determination_item, person, clerks)
    with pytest.raises(ReimbursementError, match="字段 调查记录"):
        investigate_accident(case=case, staff=people["review"], notes="  ")
    with pytest.raises(MoveNotAllowed, match="请先记录调查情况"):
        advance_case(case=case, staff=people["review"], action="investigate")
    investigate_accident(case=case, staff=people["review"], notes="经核实为意外")
    with pytest.raises(ReimbursementError, match="字段 认定理由"):
        determine_accident(case=case, staff=people["review"], eligible=False, reason="")
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATED


def test_the_receptionist_cannot_investigate_the_case_they_accepted(determination_item, make_insured, clerks):
    from tests.factories import StaffFactory

    person = make_insured("jincheng")
    both = StaffFactory(agency=clerks["jincheng"]["accept"].agency, roles=["accept", "review"])
    case = accept_case(case=submit(determination_item, person, accident_form(person), situations=["市外住院"]),
                       staff=both)
    with pytest.raises(MoveNotAllowed, match="两人办理"):
        investigate_accident(case=case, staff=both, notes="自己调查")
    assert AccidentDetermination.objects.get(case=case).investigation_notes == ""


def test_an_accident_date_in_the_future_is_refused(determination_item, make_insured):
    person = make_insured("jincheng")
    with pytest.raises(InvalidApplication, match="字段 受伤日期"):
        submit(determination_item, person, accident_form(person, accident_date=days_ago(-2).isoformat()),
               situations=["市外住院"])
