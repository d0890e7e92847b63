"""Personas of the case engine, plus helpers that drive cases to an end."""

import pytest

from tests.cases.conftest import *  # noqa: F401,F403
from tests.cases.conftest import PDF
from yibao.cases.services import Upload, accept_case, advance_case, refuse_case, submit_case


def apply(item, person, positions=(0, 1, 2, 3), **extra):
    """An online application with every required scan."""
    return submit_case(
        item=item, applicant_kind="person", applicant_user=person.user, applicant_name=person.name,
        applicant_id_number=person.id_number, applicant_phone=person.phone, channel="online_hall",
        uploads={i: [Upload(f"{i}.pdf", PDF)] for i in positions}, **extra)


def complete(case, staff, *, at: str, window=None):
    """Accept at agency ``at`` (its window), then review, pay and complete at the home agency."""
    home = {"140525": "zezhou", "140581": "gaoping", "140500": "city"}[case.home_agency.code]
    accept_case(case=case, staff=staff[at]["accept"], window=window)
    for action in ("review", "pay", "complete"):
        case = advance_case(case=case, staff=staff[home]["pay" if action != "review" else "review"], action=action)
    return case


@pytest.fixture
def completed_case(reimbursement, person, staff):
    return complete(apply(reimbursement, person), staff, at="zezhou")


@pytest.fixture
def cross_case(reimbursement, person, staff, windows):
    """Accepted at 高平's window A01 (通办), completed by 泽州 (home)."""
    return complete(apply(reimbursement, person), staff, at="gaoping", window=windows["gaoping"])


@pytest.fixture
def refused_case(reimbursement, person, staff):
    return refuse_case(case=apply(reimbursement, person), staff=staff["zezhou"]["accept"], reason="不属于报销范围")
