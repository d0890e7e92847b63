"""Two payments of one personal account at the same moment: exactly one pays.

Real threads and real transactions (like tests/cases/test_concurrency.py); on
PostgreSQL the two transactions truly overlap and the account row lock decides.
"""

import datetime
from decimal import Decimal

import pytest

from tests.concurrency import race
from tests.enrollment.contributions.conftest import apply, current_item
from yibao.cases.models import Case, CaseStatus
from yibao.cases.services import accept_case, advance_case
from yibao.enrollment.models import AccountMovement, AccountStatus, MovementKind, PersonalAccount
from yibao.enrollment.services.contributions import (
    post_monthly_contributions,
    record_unit_payment,
)

MARCH = datetime.date(2026, 3, 1)
BANK = {"insured_bank": "中国银行太原分行", "insured_account_number": "6216600000001234"}



@pytest.mark.django_db(transaction=True)
def test_two_withdrawal_cases_paid_at_once_pay_the_balance_once(unit, employ, staff, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("900.00"))
    clerks = staff["taiyuan"]
    cases = []
    for _ in range(2):
        case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                     form_data={"insured_name": person.name, "insured_id_number": person.id_number, **BANK},
                     situations=("主动放弃参加职工基本医疗保险",))
        case = accept_case(case=case, staff=clerks["accept"])
        cases.append(advance_case(case=case, staff=clerks["review"], action="review"))

    outcomes = race(
        lambda: advance_case(case=Case.objects.get(pk=cases[0].pk), staff=clerks["pay"], action="pay"),
        lambda: advance_case(case=Case.objects.get(pk=cases[1].pk), staff=clerks["pay2"], action="pay"),
    )

    assert outcomes.count("ok") == 1, outcomes
    loser = next(o for o in outcomes if o != "ok")
    assert "注销" in str(loser) or "余额" in str(loser)
    movements = AccountMovement.objects.filter(account__person=person, kind=MovementKind.WITHDRAWAL)
    assert [m.amount for m in movements] == [Decimal("-900.00")]
    account = PersonalAccount.objects.get(person=person)
    assert (account.balance, account.status) == (Decimal("0.00"), AccountStatus.CLOSED)
    statuses = sorted(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("status", flat=True))
    assert statuses == sorted([CaseStatus.PAID, CaseStatus.REVIEWED])


@pytest.mark.django_db(transaction=True)
def test_two_clerks_paying_the_same_case_pay_once(unit, employ, staff, on_day):
    item = current_item("taiyuan", "personal-account-withdrawal")
    person = employ(unit, balance=Decimal("120.00"))
    clerks = staff["taiyuan"]
    case = apply(item, applicant_kind="person", applicant_id=person.id_number, applicant_name=person.name,
                 form_data={"insured_name": person.name, "insured_id_number": person.id_number, **BANK},
                 situations=("主动放弃参加职工基本医疗保险",))
    case = advance_case(case=accept_case(case=case, staff=clerks["accept"]), staff=clerks["review"], action="review")

    outcomes = race(
        lambda: advance_case(case=Case.objects.get(pk=case.pk), staff=clerks["pay"], action="pay"),
        lambda: advance_case(case=Case.objects.get(pk=case.pk), staff=clerks["pay2"], action="pay"),
    )

    assert outcomes.count("ok") == 1, outcomes
    assert AccountMovement.objects.filter(account__person=person, kind=MovementKind.WITHDRAWAL).count() == 1
    assert PersonalAccount.objects.get(person=person).balance == Decimal("0.00")


@pytest.mark.django_db(transaction=True)
def test_two_payments_of_one_month_at_once_credit_the_accounts_once(unit, employ):
    person = employ(unit, base=Decimal("5000.00"))
    post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")
    def pay(reference):
        return lambda: record_unit_payment(unit=unit, month=MARCH, amount=Decimal("500.00"), actor="bank",
                                           reference=reference)

    outcomes = race(pay("B-1"), pay("B-2"))

    assert outcomes.count("ok") == 1, outcomes
    assert "已足额到账" in str(next(o for o in outcomes if o != "ok"))
    assert PersonalAccount.objects.get(person=person).balance == Decimal("100.00")
    assert AccountMovement.objects.filter(account__person=person, kind=MovementKind.CONTRIBUTION).count() == 1
