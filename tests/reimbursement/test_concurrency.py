"""Paid exactly once, and two claims of one person paid at the same moment never both use the
deductible. Real threads and transactions: on PostgreSQL they truly overlap, and the case's
compare-and-set and the yearly ledger row's lock decide."""

from decimal import Decimal

import pytest

from tests.concurrency import race
from tests.reimbursement.conftest import claim_form, current_item, submit
from yibao.cases.services import accept_case, advance_case
from yibao.payments.models import Payment
from yibao.reimbursement.models import Claim
from yibao.rules.models import YearUsage


def reviewed(item, person, clerks, bills):
    people = clerks["jincheng"]
    case = accept_case(case=submit(item, person, claim_form(person, bills=bills)), staff=people["accept"])
    return advance_case(case=case, staff=people["review"], action="review")


@pytest.mark.django_db(transaction=True)
def test_two_claims_of_one_person_paid_at_once_use_the_deductible_once(catalog, make_insured, clerks):
    item = current_item("jincheng", "inpatient-reimbursement")
    person = make_insured("jincheng")
    first, second = (reviewed(item, person, clerks, [bill]) for bill in ("RACE-1", "RACE-2"))
    payer = clerks["jincheng"]["pay"]

    outcomes = race(*[lambda c=case: advance_case(case=c, staff=payer, action="pay").status
                     for case in (first, second)], keep_results=True)

    assert outcomes == ["paid", "paid"], outcomes
    deductibles = sorted(Decimal(c.settlement["fields"]["实际支付起付线"]) for c in Claim.objects.all())
    assert deductibles == [Decimal("0.00"), Decimal("600.00")]
    usage = YearUsage.objects.get(person=person)
    assert usage.deductible_used == Decimal("600.00") and usage.settlements == 2
    # The first pays (2 800 − 600) × 90 % = 1 980, the second 2 800 × 90 % = 2 520.
    assert sorted(Payment.objects.values_list("amount", flat=True)) == [Decimal("1980.00"), Decimal("2520.00")]


@pytest.mark.django_db(transaction=True)
def test_two_payers_paying_one_claim_at_once_pay_it_once(catalog, make_insured, clerks):
    from tests.factories import StaffFactory

    item = current_item("jincheng", "inpatient-reimbursement")
    person = make_insured("jincheng")
    case = reviewed(item, person, clerks, ["RACE-3"])
    payers = [clerks["jincheng"]["pay"], StaffFactory(agency=clerks["jincheng"]["pay"].agency, roles=["pay"])]

    outcomes = race(*[lambda p=p: advance_case(case=case, staff=p, action="pay").status for p in payers],
                    keep_results=True)

    assert sorted(str(o) if not isinstance(o, str) else o for o in outcomes).count("paid") == 1, outcomes
    assert Payment.objects.filter(case=case).count() == 1
    assert YearUsage.objects.get(person=person).settlements == 1
