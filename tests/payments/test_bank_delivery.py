"""A disbursement file reaches the bank through the outbox: queued with the batch, written after
commit into the bank connection's exchange directory, retried while that directory is unwritable."""

import hashlib

from django.utils import timezone

from yibao.outbox.delivery import deliver_message
from yibao.outbox.models import OutboxMessage, OutboxStatus
from yibao.payments.delivery import KIND, bank_delivery_of
from yibao.payments.services import build_disbursement_file, disbursement_file_of


def test_a_batch_queues_its_file_and_the_outbox_writes_it_whole_into_the_agencys_exchange_folder(
        approve, agency, settings, tmp_path):
    settings.YIBAO_BANK_EXCHANGE_DIR = str(tmp_path / "bank")
    payment = approve(reference="claim:1")
    batch, content = build_disbursement_file(actor="payer", fund="310100", agency=agency, day=payment.approved_on)
    message = bank_delivery_of(batch)
    assert (message.kind, message.destination, message.status) == (KIND, agency.code, OutboxStatus.PENDING)

    done = deliver_message(message.pk, now=timezone.now())
    written = tmp_path / "bank" / agency.code / f"disbursement-{batch.number}.xlsx"
    assert done.status == OutboxStatus.DELIVERED
    assert written.read_bytes() == disbursement_file_of(batch)
    assert done.result == {"path": str(written), "bytes": written.stat().st_size,
                           "sha256": hashlib.sha256(written.read_bytes()).hexdigest()}
    assert [p.name for p in written.parent.iterdir()] == [written.name]  # no partial file left behind
    assert content  # the clerk still gets the same file as a download


def test_an_unwritable_exchange_folder_keeps_the_file_pending_with_its_reason_and_it_is_retried(
        approve, agency, settings, tmp_path):
    blocked = tmp_path / "bank"
    blocked.write_text("not a directory")  # the front-end machine's share is not mounted
    settings.YIBAO_BANK_EXCHANGE_DIR = str(blocked)
    payment = approve(reference="claim:2")
    batch, _ = build_disbursement_file(actor="payer", fund="310100", agency=agency, day=payment.approved_on)
    message = bank_delivery_of(batch)

    first = deliver_message(message.pk, now=timezone.now())
    assert first.status == OutboxStatus.PENDING and first.attempts == 1
    assert "银行前置机交换目录" in first.last_error and "无法写入" in first.last_error

    blocked.unlink()
    again = deliver_message(message.pk, now=first.next_attempt_at)
    assert again.status == OutboxStatus.DELIVERED
    assert (blocked / agency.code / f"disbursement-{batch.number}.xlsx").exists()
    assert OutboxMessage.objects.filter(kind=KIND).count() == 1
