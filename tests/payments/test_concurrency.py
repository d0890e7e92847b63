"""Many attempts at once: the same reference pays once, a returned payment is reissued once.

Real threads and real transactions; on PostgreSQL the transactions truly
overlap and the unique constraints decide.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from yibao.payments.errors import PaymentError
from yibao.payments.models import DisbursementBatch, Payment, PaymentEvent, PaymentStatus
from yibao.payments.services import approve_payment, build_disbursement_file, reissue_payment


def race(actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            connection.ensure_connection()  # connect first, so the barrier releases the actions together
            barrier.wait(timeout=30)
            outcomes[index] = action()
        except PaymentError as exc:
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_approvals_with_one_reference_make_one_payment(agency, bank_account):
    def approve():
        return approve_payment(actor="clerk", fund="310100", payee=bank_account, amount=Decimal("88.80"),
                               reference="claim:race", agency=agency, source="结算单 JS-RACE").pk

    outcomes = race([approve] * 50)
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

    outcomes = race([reissue("6216600000001111"), reissue("6216600000002222")])
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert Payment.objects.filter(reissue_of=payment).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_clerks_building_the_same_days_file_submit_each_payment_once(approve, agency):
    day = approve(reference="claim:1").approved_on
    approve(reference="claim:2")

    def build():
        return build_disbursement_file(actor="payer", fund="310100", agency=agency, day=day)[0].pk

    outcomes = race([build, build])
    assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
    assert DisbursementBatch.objects.count() == 1
    assert PaymentEvent.objects.filter(to_status="submitted").count() == 2
