"""Daily totals and the reconciliation by day, with the differences line by line."""

import datetime
from decimal import Decimal

import pytest

from yibao.payments.models import Payment
from yibao.payments.selectors import daily_totals, reconciliation

pytestmark = pytest.mark.django_db

D1, D2, D3 = datetime.date(2026, 11, 2), datetime.date(2026, 11, 3), datetime.date(2026, 11, 4)


def on(payment, **days):
    """Arrange a payment's history on given days (the services stamp today)."""
    Payment.objects.filter(pk=payment.pk).update(**days)
    return Payment.objects.get(pk=payment.pk)


def test_daily_totals_are_per_day_agency_and_fund(approve, agency, other_agency):
    on(approve(reference="a", amount=Decimal("10.00")), approved_on=D1)
    on(approve(reference="b", amount=Decimal("0.05")), approved_on=D1)
    on(approve(reference="c", amount=Decimal("7.00"), fund="510100"), approved_on=D1)
    on(approve(reference="d", amount=Decimal("3.00"), agency=other_agency), approved_on=D1)
    on(approve(reference="e", amount=Decimal("1.00")), approved_on=D2)
    rows = [(t.day, t.agency.pk, t.fund, t.count, t.total) for t in daily_totals(day_from=D1, day_to=D2)]
    assert sorted(rows) == sorted([
        (D1, agency.pk, "310100", 2, Decimal("10.05")), (D1, agency.pk, "510100", 1, Decimal("7.00")),
        (D1, other_agency.pk, "310100", 1, Decimal("3.00")), (D2, agency.pk, "310100", 1, Decimal("1.00"))])
    assert len(daily_totals(day_from=D1, day_to=D1, agency=other_agency)) == 1


def test_reconciliation_counts_each_stage_on_its_day_and_lists_every_open_payment(approve, agency):
    paid = on(approve(reference="paid", amount=Decimal("100.00")), approved_on=D1, submitted_on=D1,
              settled_on=D2, status="paid")
    hanging = on(approve(reference="hanging", amount=Decimal("20.00")), approved_on=D1, submitted_on=D2,
                 status="submitted")
    waiting = on(approve(reference="waiting", amount=Decimal("3.00")), approved_on=D2)
    returned = on(approve(reference="returned", amount=Decimal("4.00")), approved_on=D1, submitted_on=D1,
                  settled_on=D2, status="returned", return_reason="户名不符")
    result = reconciliation(agency=agency, day_from=D1, day_to=D3)
    by_day = {d.day: d for d in result.days}
    assert (by_day[D1].approved.count, by_day[D1].approved.total) == (3, Decimal("124.00"))
    assert (by_day[D1].submitted.count, by_day[D1].submitted.total) == (2, Decimal("104.00"))
    assert (by_day[D2].submitted.count, by_day[D2].paid.total, by_day[D2].returned.total) == (
        1, Decimal("100.00"), Decimal("4.00"))
    assert [(d.kind, d.payment.reference, d.since) for d in result.differences] == [
        ("已核定未提交银行", "waiting", D2),
        ("已提交银行未回盘（既未支付也未退回）", "hanging", D2),
        ("银行退回未重新支付", "returned", D2),
    ]
    assert paid.reference not in {d.payment.reference for d in result.differences}
    assert {hanging.pk, waiting.pk, returned.pk} == {d.payment.pk for d in result.differences}


def test_reconciliation_as_of_an_earlier_day_shows_the_state_of_that_day(approve, agency):
    on(approve(reference="paid"), approved_on=D1, submitted_on=D1, settled_on=D3, status="paid")
    result = reconciliation(agency=agency, day_from=D1, day_to=D2)
    assert [(d.kind, d.payment.reference) for d in result.differences] == [
        ("已提交银行未回盘（既未支付也未退回）", "paid")]


def test_a_reissued_payment_is_no_longer_a_difference_but_its_reissue_is(approve, agency):
    original = on(approve(reference="r"), approved_on=D1, submitted_on=D1, settled_on=D1, status="returned")
    reissue = on(approve(reference="r2"), approved_on=D2, reissue_of=original)
    result = reconciliation(agency=agency, day_from=D1, day_to=D3)
    assert [(d.kind, d.payment.pk) for d in result.differences] == [("已核定未提交银行", reissue.pk)]


def test_reconciliation_is_scoped_to_a_fund(approve, agency):
    on(approve(reference="a"), approved_on=D1)
    on(approve(reference="b", fund="610100"), approved_on=D1)
    result = reconciliation(agency=agency, day_from=D1, day_to=D1, fund="610100")
    assert [d.payment.reference for d in result.differences] == ["b"]
