"""approve_payments: many payments approved in one transaction, each paid once, audited."""

from dataclasses import replace
from decimal import Decimal

import pytest

from yibao.audit.models import AuditEntry
from yibao.payments.errors import InvalidPayment, PaymentConflict
from yibao.payments.models import Payment, PaymentEvent
from yibao.payments.services import PayeeDetails, PaymentOrder, approve_payments


def _orders(agency, count, *, start=0):
    return [PaymentOrder(reference=f"aid:bulk:{n:05d}", fund="610100", amount=Decimal("180.00") + n,
                         payee=PayeeDetails(kind="person", identifier=f"14010519850312{n:04d}", name=f"救助对象{n}",
                                            bank_name="中国银行太原分行", account_number=f"62166000{n:08d}"),
                         agency=agency, source="aid-programme:1", note="参保资助退费")
            for n in range(start, start + count)]


@pytest.mark.django_db
def test_a_clerk_approves_three_hundred_refunds_at_once_each_evented_and_audited(agency):
    paid = approve_payments(actor="拨付员", orders=_orders(agency, 300))

    assert len(paid) == 300
    assert Payment.objects.filter(reference__startswith="aid:bulk:").count() == 300
    first = Payment.objects.get(reference="aid:bulk:00007")
    assert first.amount == Decimal("187.00") and first.payee.name == "救助对象7" and first.approved_by == "拨付员"
    assert PaymentEvent.objects.filter(payment__reference__startswith="aid:bulk:").count() == 300
    assert AuditEntry.objects.filter(action="payments.payment.approve", object_id="aid:bulk:00007").count() == 1


@pytest.mark.django_db
def test_a_rerun_with_overlapping_references_creates_only_the_new_ones(agency):
    approve_payments(actor="拨付员", orders=_orders(agency, 10))
    again = approve_payments(actor="拨付员", orders=_orders(agency, 15))

    assert len(again) == 15
    assert Payment.objects.filter(reference__startswith="aid:bulk:").count() == 15
    assert PaymentEvent.objects.filter(payment__reference__startswith="aid:bulk:").count() == 15


@pytest.mark.django_db
def test_a_known_reference_with_another_amount_refuses_the_whole_batch(agency):
    approve_payments(actor="拨付员", orders=_orders(agency, 3))
    orders = _orders(agency, 5)
    orders[1] = replace(orders[1], amount=Decimal("999.00"))

    with pytest.raises(PaymentConflict) as refused:
        approve_payments(actor="拨付员", orders=orders)

    assert "aid:bulk:00001" in str(refused.value) and "金额" in str(refused.value)
    assert Payment.objects.filter(reference__startswith="aid:bulk:").count() == 3


@pytest.mark.django_db
def test_one_bad_account_refuses_the_batch_naming_its_reference(agency):
    orders = _orders(agency, 4)
    orders[2] = replace(orders[2], payee=replace(orders[2].payee, account_number="12AB"))

    with pytest.raises(InvalidPayment) as refused:
        approve_payments(actor="拨付员", orders=orders)

    assert "aid:bulk:00002" in str(refused.value) and "银行账号" in str(refused.value)
    assert not Payment.objects.filter(reference__startswith="aid:bulk:").exists()


@pytest.mark.django_db
def test_the_same_reference_twice_in_a_batch_with_different_content_is_refused(agency):
    orders = _orders(agency, 2)
    orders.append(replace(orders[0], amount=Decimal("1.00")))

    with pytest.raises(PaymentConflict, match="本批中出现两次"):
        approve_payments(actor="拨付员", orders=orders)
