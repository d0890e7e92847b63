"""The worker side of the outbox: take a due message, deliver it, record the outcome.

Nothing here runs inside a transaction of the business data. A message is
claimed by one compare-and-set UPDATE that pushes its ``next_attempt_at`` past
the longest delivery (its lease) and counts the attempt; the network call then
runs with no transaction open and no row locked; the outcome is written by a
second short UPDATE. Two workers cannot deliver the same message at once, and
a worker that dies mid-call leaves the message pending: it is retried when the
lease runs out (at least once; the receiver deduplicates by the key).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yibao.audit.services import record_audit
from yibao.outbox.models import OutboxMessage, OutboxStatus
from yibao.outbox.registry import DeliveryRefused, RetryLater, deliverer_for

log = logging.getLogger(__name__)

# A delivery longer than this is presumed dead and its message is taken again.
LEASE = timedelta(minutes=5)
# Exponential backoff between attempts: 30 s, 1 min, 2 min … capped at 6 h.
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
# After this many attempts (about a day and a half) the message fails for good and waits for staff.
MAX_ATTEMPTS = 15
ACTOR = "system:outbox"


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    return min(FIRST_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def _claim(message_id: int, now: datetime) -> bool:
    """Take the message for one attempt if it is pending and due (compare-and-set)."""
    return OutboxMessage.objects.filter(
        pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now,
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + LEASE) == 1


def _settle(message: OutboxMessage, **outcome) -> None:
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.PENDING).update(**outcome)
        if outcome.get("status") in (OutboxStatus.DELIVERED, OutboxStatus.FAILED):
            record_audit(actor=ACTOR, action=f"outbox.{outcome['status']}", object_type="OutboxMessage",
                         object_id=message.key,
                         after={"kind": message.kind, "destination": message.destination,
                                "attempts": message.attempts, "error": outcome.get("last_error", "")})


def deliver_message(message_id: int, *, now: datetime | None = None) -> OutboxMessage | None:
    """Try one due message once; return it with its new state (None if it was not due or taken).

    Call it outside ``transaction.atomic``: the deliverer talks to the network.
    """
    now = now or timezone.now()
    if not _claim(message_id, now):
        return None
    message = OutboxMessage.objects.get(pk=message_id)
    deliverer = deliverer_for(message.kind)
    try:
        if deliverer is None:
            raise RetryLater(f"类型「{message.kind}」没有登记发送程序")
        result = deliverer(message) or {}
    except DeliveryRefused as exc:
        _settle(message, status=OutboxStatus.FAILED, last_error=str(exc)[:2000])
    except Exception as exc:  # noqa: BLE001  every other failure is retried: see registry's docstring
        if not isinstance(exc, RetryLater):
            log.exception("outbox %s: deliverer failed", message.key)
        error = str(exc) if isinstance(exc, RetryLater) else f"{type(exc).__name__}: {exc}"
        if message.attempts >= MAX_ATTEMPTS:
            _settle(message, status=OutboxStatus.FAILED,
                    last_error=f"已尝试 {message.attempts} 次仍未送达，停止重试：{error}"[:2000])
        else:
            _settle(message, next_attempt_at=now + backoff(message.attempts), last_error=error[:2000])
    else:
        _settle(message, status=OutboxStatus.DELIVERED, delivered_at=timezone.now(), result=result,
                last_error="")
    message.refresh_from_db()
    return message


def due_message_ids(*, now: datetime | None = None, limit: int = 100) -> list[int]:
    now = now or timezone.now()
    return list(OutboxMessage.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])


def deliver_due(*, now: datetime | None = None, limit: int = 100) -> Counter:
    """Deliver every due pending message once (the periodic sweep); counts by resulting status."""
    counts: Counter = Counter()
    for message_id in due_message_ids(now=now, limit=limit):
        message = deliver_message(message_id, now=now)
        counts[message.status if message is not None else "skipped"] += 1
    return counts
