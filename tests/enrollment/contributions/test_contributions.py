"""Monthly contributions of a unit and its payment (到账), credited to personal accounts."""

import datetime
from decimal import Decimal

import pytest

from yibao.audit.models import AuditEntry
from yibao.enrollment.models import (
    AccountMovement,
    Contribution,
    MovementKind,
    PersonalAccount,
    PersonCategory,
    UnitStatus,
)
from yibao.enrollment.policies import policy_for
from yibao.enrollment.selectors import unit_arrears
from yibao.enrollment.services.contributions import (
    ContributionError,
    post_monthly_contributions,
    record_unit_payment,
)

pytestmark = pytest.mark.django_db
MARCH = datetime.date(2026, 3, 1)


def test_monthly_rows_are_base_times_the_region_rates_rounded_half_up_to_the_cent(unit, employ):
    policy = policy_for(unit.region)
    assert (policy.unit_rate, policy.personal_rate) == (Decimal("0.0800"), Decimal("0.0200"))
    wang = employ(unit, name="王建国", base=Decimal("5432.25"))
    li = employ(unit, name="李晓梅", base=Decimal("4000.00"))

    posting = post_monthly_contributions(unit=unit, month=datetime.date(2026, 3, 17), actor="clerk")

    row = Contribution.objects.get(person=wang, month=MARCH)
    # 5432.25 × 0.08 = 434.58; 5432.25 × 0.02 = 108.645 → 108.65 (half up, not banker's 108.64)
    assert (row.base, row.unit_part, row.personal_part, row.paid) == (
        Decimal("5432.25"), Decimal("434.58"), Decimal("108.65"), False)
    assert row.insurance_type == "310" and row.unit == unit
    other = Contribution.objects.get(person=li, month=MARCH)
    assert (other.unit_part, other.personal_part) == (Decimal("320.00"), Decimal("80.00"))
    assert (posting.created, posting.unit_total, posting.personal_total) == (2, Decimal("754.58"), Decimal("188.65"))
    assert unit_arrears(unit) == Decimal("943.23")
    assert AuditEntry.objects.filter(action="enrollment.contribution.post_month", object_id=unit.uscc).exists()


def test_without_a_declaration_of_the_year_the_latest_earlier_base_is_used(unit, employ):
    person = employ(unit, base=Decimal("3800.00"), year=2025)

    post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")

    assert Contribution.objects.get(person=person, month=MARCH).base == Decimal("3800.00")


def test_retired_members_are_not_charged(unit, employ):
    employ(unit, base=Decimal("5000.00"))
    retired = employ(unit, base=Decimal("3000.00"), category=PersonCategory.RETIRED)

    post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")

    assert not Contribution.objects.filter(person=retired).exists()
    assert Contribution.objects.filter(unit=unit).count() == 1


def test_an_employee_without_any_declared_base_stops_the_month_and_is_named(unit, employ):
    employ(unit, base=Decimal("5000.00"))
    employ(unit, name="赵未报")

    with pytest.raises(ContributionError, match="没有申报缴费基数.*赵未报"):
        post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")
    assert not Contribution.objects.exists()


def test_a_unit_without_employees_has_nothing_to_post(unit):
    with pytest.raises(ContributionError, match="没有在职参保职工"):
        post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")


def test_a_cancelled_unit_cannot_be_charged(unit, employ):
    employ(unit, base=Decimal("5000.00"))
    unit.status = UnitStatus.CANCELLED
    unit.save()

    with pytest.raises(ContributionError, match="已注销"):
        post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")


def test_posting_again_recomputes_unpaid_rows_and_never_duplicates(unit, employ):
    person = employ(unit, base=Decimal("5000.00"))
    post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")
    declaration = person.base_declarations.get()
    declaration.base = Decimal("6000.00")
    declaration.save()

    posting = post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")

    assert (posting.created, posting.updated) == (0, 1)
    row = Contribution.objects.get(person=person, month=MARCH)
    assert (row.base, row.unit_part) == (Decimal("6000.00"), Decimal("480.00"))


def test_a_payment_that_does_not_match_is_refused_with_both_figures(unit, employ):
    person = employ(unit, base=Decimal("5000.00"))
    post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")

    with pytest.raises(ContributionError, match=r"应缴 500\.00 元，实缴 499\.99 元"):
        record_unit_payment(unit=unit, month=MARCH, amount=Decimal("499.99"), actor="bank", reference="B-1")

    assert Contribution.objects.get(person=person).paid is False
    assert PersonalAccount.objects.get(person=person).balance == Decimal("0.00")
    assert unit_arrears(unit) == Decimal("500.00")


def test_an_exact_payment_marks_the_month_paid_and_credits_each_personal_part(unit, employ):
    wang = employ(unit, base=Decimal("5432.25"), balance=Decimal("10.00"))
    li = employ(unit, base=Decimal("4000.00"))
    post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")

    payment = record_unit_payment(unit=unit, month=MARCH, amount=Decimal("943.23"), actor="bank", reference="B-1")

    assert payment.persons == 2
    assert not Contribution.objects.filter(unit=unit, paid=False).exists()
    assert unit_arrears(unit) == Decimal("0.00")
    assert PersonalAccount.objects.get(person=wang).balance == Decimal("118.65")
    assert PersonalAccount.objects.get(person=li).balance == Decimal("80.00")
    movement = AccountMovement.objects.get(account__person=wang)
    assert (movement.kind, movement.amount, movement.reference) == (
        MovementKind.CONTRIBUTION, Decimal("108.65"), f"contrib:{unit.uscc}:{wang.pk}:202603")


def test_paying_a_month_twice_credits_the_accounts_once(unit, employ):
    person = employ(unit, base=Decimal("5000.00"))
    post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")
    record_unit_payment(unit=unit, month=MARCH, amount=Decimal("500.00"), actor="bank", reference="B-1")

    with pytest.raises(ContributionError, match="已足额到账"):
        record_unit_payment(unit=unit, month=MARCH, amount=Decimal("500.00"), actor="bank", reference="B-2")

    assert PersonalAccount.objects.get(person=person).balance == Decimal("100.00")
    assert AccountMovement.objects.filter(account__person=person).count() == 1


def test_a_paid_month_is_left_alone_when_posted_again_and_a_late_employee_is_added(unit, employ):
    first = employ(unit, base=Decimal("5000.00"))
    post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")
    record_unit_payment(unit=unit, month=MARCH, amount=Decimal("500.00"), actor="bank", reference="B-1")
    late = employ(unit, base=Decimal("3000.00"))

    posting = post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")

    assert (posting.created, posting.unchanged_paid) == (1, 1)
    assert Contribution.objects.get(person=first).paid is True
    assert unit_arrears(unit) == Decimal("300.00")
    record_unit_payment(unit=unit, month=MARCH, amount=Decimal("300.00"), actor="bank", reference="B-2")
    assert PersonalAccount.objects.get(person=late).balance == Decimal("60.00")
    assert PersonalAccount.objects.get(person=first).balance == Decimal("100.00")


def test_a_month_not_yet_posted_cannot_be_paid(unit):
    with pytest.raises(ContributionError, match="尚未核定"):
        record_unit_payment(unit=unit, month=MARCH, amount=Decimal("1.00"), actor="bank", reference="B-1")


def test_a_payment_needs_its_bank_reference(unit, employ):
    employ(unit, base=Decimal("5000.00"))
    post_monthly_contributions(unit=unit, month=MARCH, actor="clerk")

    with pytest.raises(ContributionError, match="缴费流水号"):
        record_unit_payment(unit=unit, month=MARCH, amount=Decimal("500.00"), actor="bank", reference=" ")
