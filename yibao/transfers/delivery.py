"""Delivery of transfer documents to a peer deployment, through the outbox.

A leg that sends a document to another deployment writes the ``TransferDocument``
(direction 发出: the content, signed when sent) and an outbox message naming it,
both in the transaction of the leg; the outbox posts it after commit. The
``document_id`` is the key the peer deduplicates on, so a repeat is harmless.
"""

from __future__ import annotations

from yibao.outbox.models import OutboxMessage
from yibao.outbox.registry import DeliveryRefused, RetryLater, register_deliverer
from yibao.outbox.services import enqueue
from yibao.transfers.models import Direction, TransferDocument
from yibao.transfers.peers import PeerError, configured_peers, post_document

KIND = "transfers.document"
# A refusal with one of these statuses may pass (the peer's clock, its load): retried.
TRANSIENT_STATUSES = {408, 425, 429}


def queue_document(sent: TransferDocument) -> OutboxMessage:
    """Queue a sent document for its peer, in the caller's transaction."""
    return enqueue(kind=KIND, destination=sent.peer, payload={"document_id": sent.document_id},
                   key=f"{KIND}:{sent.document_id}")


@register_deliverer(KIND)
def deliver_document(message: OutboxMessage) -> dict:
    """POST the document once; keep the peer's receipt on the document row."""
    sent = TransferDocument.objects.filter(document_id=message.payload.get("document_id"),
                                           direction=Direction.SENT).first()
    if sent is None:
        raise DeliveryRefused(f"文书 {message.payload.get('document_id')} 不存在，无法发送")
    try:
        peer = configured_peers().get(message.destination)
    except PeerError as exc:
        raise RetryLater(str(exc)) from exc
    if peer is None:
        raise RetryLater(f"未配置对接系统 {message.destination}（YIBAO_TRANSFER_PEERS），配置后自动重发")
    try:
        receipt = post_document(peer, sent.payload)
    except PeerError as exc:
        if exc.status is not None and 400 <= exc.status < 500 and exc.status not in TRANSIENT_STATUSES:
            raise DeliveryRefused(str(exc)) from exc
        raise RetryLater(str(exc)) from exc
    TransferDocument.objects.filter(pk=sent.pk).update(receipt=receipt)
    return receipt
