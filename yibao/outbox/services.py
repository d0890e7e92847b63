"""Writes of the outbox: queue a message in the caller's transaction, and put a failed one back."""

from __future__ import annotations

import json
import logging

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone

from yibao.audit.services import record_audit
from yibao.errors import DomainError
from yibao.outbox.models import OutboxMessage, OutboxStatus
from yibao.outbox.registry import deliverer_for
from yibao.outbox.tasks import deliver_outbox_message

log = logging.getLogger(__name__)


class OutboxError(DomainError):
    """An outbox action refused; the message is for the user, in Chinese."""

    kind = "conflict"
    code = "outbox_refused"


def _schedule(message_id: int) -> None:
    """After commit: hand the message to the background worker (the sweep catches it if this fails)."""
    try:
        deliver_outbox_message.enqueue(message_id)
    except Exception:  # noqa: BLE001  the business change is committed; the periodic sweep will deliver
        log.exception("outbox: could not enqueue delivery of message %s", message_id)


def enqueue(*, kind: str, destination: str, payload: dict, key: str) -> OutboxMessage:
    """Queue one outbound message inside the caller's transaction; delivered after it commits.

    ``key`` is the idempotency key: queueing the same key again with the same
    content returns the first message (nothing is sent twice by us), with other
    content it is refused. Nothing is sent if the caller's transaction rolls back.
    """
    if deliverer_for(kind) is None:
        raise OutboxError(f"外发消息类型「{kind}」没有登记发送程序")
    if not key or len(key) > 200:
        raise OutboxError("外发消息的去重键不能为空，且不超过 200 个字符")
    if not destination:
        raise OutboxError("外发消息的接收方不能为空")
    with transaction.atomic():
        try:
            with transaction.atomic():
                message = OutboxMessage.objects.create(kind=kind, destination=destination, payload=payload,
                                                       key=key, next_attempt_at=timezone.now())
        except IntegrityError:
            message = OutboxMessage.objects.get(key=key)
            same = json.loads(json.dumps(payload, cls=DjangoJSONEncoder)) == message.payload
            if (message.kind, message.destination) != (kind, destination) or not same:
                raise OutboxError(f"去重键 {key} 已用于另一条内容不同的外发消息（{message.kind} → {message.destination}）") \
                    from None
            return message
        transaction.on_commit(lambda: _schedule(message.pk), robust=True)
    return message


@transaction.atomic
def retry_message(*, message: OutboxMessage, actor: str) -> OutboxMessage:
    """Put a message that failed for good back in the queue, due now (staff, after fixing the cause)."""
    changed = OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING, next_attempt_at=timezone.now(), attempts=0)
    if changed != 1:
        raise OutboxError(f"外发消息 {message.key} 不是「发送失败」状态，不能重新发送")
    record_audit(actor=actor, action="outbox.retry", object_type="OutboxMessage", object_id=message.key,
                 before={"status": OutboxStatus.FAILED, "error": message.last_error},
                 after={"status": OutboxStatus.PENDING})
    transaction.on_commit(lambda: _schedule(message.pk), robust=True)
    message.refresh_from_db()
    return message
