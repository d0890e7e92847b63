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


def reimbursed_bill_condition(record_table: str) -> str:
    """SQL condition, for the settlement's set-based validation: the row of ``record_table`` (with
    ``settlement_id`` and ``person_id_number``) names a bill this person was already reimbursed
    for by hand (零星报销 paid). Kept here so that the settlement reads our tables through us."""
    from yibao.enrollment.models import Person
    from yibao.reimbursement.models import ReimbursedBill

    bill, claim, person = ReimbursedBill._meta.db_table, Claim._meta.db_table, Person._meta.db_table
    return (f"EXISTS (SELECT 1 FROM {bill} b JOIN {claim} c ON c.id = b.claim_id "
            f"JOIN {person} p ON p.id = c.person_id "
            f"WHERE b.bill_number = {record_table}.settlement_id "
            f"AND p.id_number = {record_table}.person_id_number)")
