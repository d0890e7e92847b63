"""Concurrent bulk approvals over overlapping references create each payment once (PostgreSQL decides)."""

import threading

import pytest
from django.db import connection

from tests.payments.test_bulk_approve import _orders
from yibao.payments.models import Payment, PaymentEvent
from yibao.payments.services import approve_payments


@pytest.mark.django_db(transaction=True)
def test_three_concurrent_bulk_runs_over_overlapping_lists_pay_each_reference_once(agency):
    barrier = threading.Barrier(3)
    outcomes: list = [None] * 3
    ranges = [(0, 200), (100, 200), (50, 250)]

    def run(index):
        start, count = ranges[index]
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            outcomes[index] = len(approve_payments(actor=f"拨付员{index}", orders=_orders(agency, count, start=start)))
        except Exception as exc:  # noqa: BLE001 — the assertion below shows it
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert outcomes == [200, 200, 250], outcomes
    assert Payment.objects.filter(reference__startswith="aid:bulk:").count() == 300
    assert PaymentEvent.objects.filter(payment__reference__startswith="aid:bulk:").count() == 300
