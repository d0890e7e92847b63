"""Texts leave through the outbox: queued in the business transaction, sent by the worker after commit.

``send_sms`` writes the ``SmsMessage`` and one outbox message (kind ``notifications.sms``) in the
caller's transaction. The outbox worker (``yibao db_worker``, or the sweep ``yibao outbox deliver``)
then hands it to the configured gateway backend with no transaction open. A gateway that fails is
retried with the outbox's backoff (30 s doubling to 6 h, 15 attempts), its error kept on both rows
and visible in the admin (短信发件箱 and 外发消息); a text whose row no longer exists is refused.
"""

from __future__ import annotations

from django.utils import timezone

from yibao.notifications.models import SmsMessage, SmsStatus
from yibao.outbox.models import OutboxMessage
from yibao.outbox.registry import DeliveryRefused, RetryLater, register_deliverer
from yibao.outbox.services import enqueue

KIND = "notifications.sms"


def queue_delivery(message: SmsMessage) -> OutboxMessage:
    """Queue the text for the gateway, in the caller's transaction (nothing goes out on rollback)."""
    return enqueue(kind=KIND, destination=message.phone, payload={"sms": message.pk}, key=f"{KIND}:{message.pk}")


@register_deliverer(KIND)
def deliver_sms(outbox_message: OutboxMessage) -> dict:
    """Hand one text to the gateway backend; a failure is retried, the row keeps the last error."""
    from yibao.notifications.services import backend

    message = SmsMessage.objects.filter(pk=outbox_message.payload.get("sms")).first()
    if message is None:
        raise DeliveryRefused("短信记录不存在，无法发送")
    if message.status == SmsStatus.SENT:
        return {"already_sent": True}
    gateway = backend()
    try:
        gateway.deliver(message)
    except Exception as exc:  # noqa: BLE001  any gateway failure (network, 5xx, quota) is worth a retry
        SmsMessage.objects.filter(pk=message.pk).update(error=f"{type(exc).__name__}: {exc}"[:200])
        raise RetryLater(f"短信网关发送失败：{exc}") from exc
    SmsMessage.objects.filter(pk=message.pk).update(status=SmsStatus.SENT, sent_at=timezone.now(), error="")
    return {"backend": type(gateway).__name__}
