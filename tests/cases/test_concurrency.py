"""Two clerks acting on one case at the same moment: exactly one succeeds.

Runs with real threads and real transactions; on PostgreSQL (CI's second run)
the two transactions truly overlap and the compare-and-set decides.
"""

import pytest

from tests.cases.conftest import PDF
from tests.concurrency import race
from yibao.cases.models import Case, CaseEvent, CaseStatus
from yibao.cases.services import CaseError, Upload, accept_case, advance_case, submit_case


def submitted_case(reimbursement, person):
    return submit_case(
        item=reimbursement, applicant_kind="person", applicant_user=person.user, applicant_name=person.name,
        applicant_id_number=person.id_number, applicant_phone=person.phone, channel="online_hall",
        uploads={i: [Upload(f"{i}.pdf", PDF)] for i in range(4)},
    )


@pytest.mark.django_db(transaction=True)
def test_two_clerks_accepting_the_same_case_cannot_both_succeed(reimbursement, person, staff):
    case = submitted_case(reimbursement, person)
    outcomes = race(
        lambda: accept_case(case=Case.objects.get(pk=case.pk), staff=staff["zezhou"]["accept"]),
        lambda: accept_case(case=Case.objects.get(pk=case.pk), staff=staff["gaoping"]["accept"]),
    )
    assert outcomes.count("ok") == 1, outcomes
    loser = next(o for o in outcomes if o != "ok")
    assert isinstance(loser, CaseError) and ("已被他人处理" in str(loser) or "不能受理" in str(loser))
    assert CaseEvent.objects.filter(case_id=case.pk, action="accept").count() == 1
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACCEPTED


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_leave_one_review(reimbursement, person, staff):
    case = accept_case(case=submitted_case(reimbursement, person), staff=staff["zezhou"]["accept"])
    outcomes = race(
        lambda: advance_case(case=Case.objects.get(pk=case.pk), staff=staff["zezhou"]["review"], action="review"),
        lambda: advance_case(case=Case.objects.get(pk=case.pk), staff=staff["zezhou"]["review2"], action="review"),
    )
    assert outcomes.count("ok") == 1, outcomes
    assert CaseEvent.objects.filter(case_id=case.pk, action="review").count() == 1
    assert Case.objects.get(pk=case.pk).version == 3
