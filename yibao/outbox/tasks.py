"""Background work of the outbox (django-tasks; database backend by default, run by `yibao db_worker`)."""

from __future__ import annotations

from django_tasks import task

from yibao.outbox.delivery import deliver_due, deliver_message
from yibao.outbox.models import OutboxStatus


@task()
def deliver_outbox_message(message_id: int) -> str:
    """Deliver one message after the commit that wrote it; a failure schedules the retry at its backoff."""
    message = deliver_message(message_id)
    if message is None:
        return "skipped"
    if message.status == OutboxStatus.PENDING and deliver_outbox_message.get_backend().supports_defer:
        deliver_outbox_message.using(run_after=message.next_attempt_at).enqueue(message_id)
    return message.status


@task()
def deliver_due_outbox_messages() -> dict:
    """The sweep: every pending message whose time has come (schedule it every few minutes)."""
    return dict(deliver_due())
