"""Disbursement files reach the bank through the outbox, never from inside the batch's transaction.

制盘 writes the batch and an outbox message in one transaction; after commit the outbox worker
writes the file into the exchange directory of the bank connection (银企直连前置机, setting
``YIBAO_BANK_EXCHANGE_DIR``: one sub-directory per agency code), atomically (a temporary name,
then a rename), so the bank side never picks up half a file. A directory that cannot be written
is retried with backoff; a batch that no longer exists is refused for good. The clerk can still
download the same file from the console.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings

from yibao.outbox.models import OutboxMessage
from yibao.outbox.registry import DeliveryRefused, RetryLater, register_deliverer
from yibao.outbox.services import enqueue
from yibao.payments.models import DisbursementBatch

KIND = "payments.bank_file"


def exchange_dir() -> Path:
    return Path(settings.YIBAO_BANK_EXCHANGE_DIR)


def queue_bank_file(batch: DisbursementBatch) -> OutboxMessage:
    """Queue the batch's file for the bank, in the caller's (the batch's) transaction."""
    return enqueue(kind=KIND, destination=batch.agency.code, payload={"batch": batch.number},
                   key=f"{KIND}:{batch.number}")


def bank_delivery_of(batch: DisbursementBatch) -> OutboxMessage | None:
    return OutboxMessage.objects.filter(key=f"{KIND}:{batch.number}").first()


def with_bank_delivery(batches) -> list[tuple[DisbursementBatch, OutboxMessage | None]]:
    """Each batch with the outbox message that carries its file to the bank (one query)."""
    batches = list(batches)
    messages = {m.key: m for m in OutboxMessage.objects.filter(key__in=[f"{KIND}:{b.number}" for b in batches])}
    return [(b, messages.get(f"{KIND}:{b.number}")) for b in batches]


@register_deliverer(KIND)
def deliver_bank_file(message: OutboxMessage) -> dict:
    """Write the batch's file into the bank exchange directory; the receipt names path and digest."""
    from yibao.payments.services import disbursement_file_of

    number = str(message.payload.get("batch", ""))
    batch = DisbursementBatch.objects.select_related("agency").filter(number=number).first()
    if batch is None:
        raise DeliveryRefused(f"报盘批次 {number} 不存在，无法送银行")
    content = disbursement_file_of(batch)
    folder = exchange_dir() / batch.agency.code
    target = folder / f"disbursement-{batch.number}.xlsx"
    partial = folder / f".{target.name}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(content)
        os.replace(partial, target)
    except OSError as exc:
        raise RetryLater(f"银行前置机交换目录 {folder} 无法写入：{exc.strerror or exc}") from exc
    return {"path": str(target), "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
