"""Many attempts at once: the same reference pays once, a returned payment is reissued once.

Real threads and real transactions; on PostgreSQL the transactions truly
overlap and the unique constraints decide.
"""

from decimal import Decimal

import pytest

from tests.concurrency import race
from yibao.payments.models import DisbursementBatch, Payment, PaymentEvent, PaymentStatus
from yibao.payments.services import approve_payment, build_disbursement_file, reissue_payment


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_approvals_with_one_reference_make_one_payment(agency, bank_account):
    def approve():
        return approve_payment(actor="clerk", fund="310100", payee=bank_account, amount=Decimal("88.80"),
                               reference="claim:race", agency=agency, source="结算单 JS-RACE").pk

    outcomes = race(*[approve] * 50, keep_results=True)
    assert Payment.objects.filter(reference="claim:race").count() == 1
    only = Payment.objects.get(reference="claim:race").pk
    assert outcomes == [only] * 50, outcomes
    assert PaymentEvent.objects.filter(payment_id=only).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clerks_reissuing_one_returned_payment_make_one_reissue(approve):
    payment = approve()
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.RETURNED, return_reason="账号不存在")

    def reissue(account):
        return lambda: reissue_payment(actor="payer", payment=payment, bank_name="中国银行",
                                       account_number=account).pk

    outcomes = race(reissue("6216600000001111"), reissue("6216600000002222"), keep_results=True)
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert Payment.objects.filter(reissue_of=payment).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clerks_building_the_same_days_file_submit_each_payment_once(approve, agency):
    day = approve(reference="claim:1").approved_on
    approve(reference="claim:2")

    def build():
        return build_disbursement_file(actor="payer", fund="310100", agency=agency, day=day)[0].pk

    outcomes = race(build, build, keep_results=True)
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert DisbursementBatch.objects.count() == 1
    assert PaymentEvent.objects.filter(to_status="submitted").count() == 2
