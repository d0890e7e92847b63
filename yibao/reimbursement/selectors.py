"""Reads of claims and determinations, scoped to who asks: the claimant (the case's applicant or
the insured person) and the staff who may handle the case — nobody else."""

from __future__ import annotations

from yibao.accounts.selectors import person_of
from yibao.agencies.models import StaffMember
from yibao.cases import selectors as case_selectors
from yibao.cases.models import Case
from yibao.reimbursement.models import AccidentDetermination, Claim


def claim_of_case(case: Case) -> Claim | None:
    return (Claim.objects.select_related("person", "case__region", "case__item", "case__home_agency")
            .prefetch_related("lines", "bills").filter(case=case).first())


def case_for_claimant(user, number: str) -> Case | None:
    """The case if ``user`` applied for it or is the person it is about."""
    case = case_selectors.case_of_applicant(user, number)
    if case is not None:
        return case
    person = person_of(user)
    if person is None:
        return None
    owned = Claim.objects.filter(case__number=number, person__id_number=person.id_number).exists() or \
        AccidentDetermination.objects.filter(case__number=number, person__id_number=person.id_number).exists()
    return Case.objects.select_related("item", "region", "home_agency").filter(number=number).first() \
        if owned else None


def case_for_staff(staff: StaffMember, number: str) -> Case | None:
    return case_selectors.case_for_staff(staff, number)


def determination_of_case(case: Case) -> AccidentDetermination | None:
    return AccidentDetermination.objects.filter(case=case).first()
