"""The outbox on its own: queueing in the caller's transaction, retries with backoff, refusals, staff resend."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yibao.audit.models import AuditEntry
from yibao.outbox.delivery import MAX_ATTEMPTS, backoff, deliver_due, deliver_message
from yibao.outbox.models import OutboxMessage, OutboxStatus
from yibao.outbox.registry import DeliveryRefused, RetryLater, register_deliverer
from yibao.outbox.services import OutboxError, enqueue, retry_message

pytestmark = pytest.mark.django_db
OUTCOMES: list = []


@register_deliverer("test.echo")
def echo(message):
    outcome = OUTCOMES.pop(0) if OUTCOMES else {"ok": True}
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@pytest.fixture(autouse=True)
def clear_outcomes():
    OUTCOMES.clear()


def queue(key="k-1", payload=None):
    return enqueue(kind="test.echo", destination="gateway", payload=payload or {"text": "您的办件已受理"}, key=key)


def test_message_is_scheduled_only_when_the_callers_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = queue()
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    assert DBTaskResult.objects.get().args_kwargs["args"] == [message.pk]


def test_same_key_twice_is_one_message_and_other_content_under_it_is_refused():
    first = queue()
    assert queue() == first
    with pytest.raises(OutboxError, match="去重键 k-1 已用于另一条内容不同的外发消息"):
        queue(payload={"text": "另一条"})
    assert OutboxMessage.objects.count() == 1


def test_unknown_kind_and_empty_key_are_refused():
    with pytest.raises(OutboxError, match="外发消息类型「test.nobody」没有登记发送程序"):
        enqueue(kind="test.nobody", destination="x", payload={}, key="k")
    with pytest.raises(OutboxError, match="去重键不能为空"):
        enqueue(kind="test.echo", destination="x", payload={}, key="")
    assert not OutboxMessage.objects.exists()


def test_failures_are_retried_with_exponential_backoff_until_delivered():
    message = queue()
    OUTCOMES.extend([RetryLater("网关超时"), RetryLater("网关超时")])
    now = timezone.now()
    assert deliver_message(message.pk, now=now).next_attempt_at == now + timedelta(seconds=30)
    assert deliver_message(message.pk, now=now + timedelta(seconds=10)) is None  # not due yet
    later = now + timedelta(seconds=30)
    assert deliver_message(message.pk, now=later).next_attempt_at == later + timedelta(seconds=60)
    done = deliver_message(message.pk, now=later + timedelta(seconds=60))
    assert (done.status, done.attempts, done.result, done.last_error) == (OutboxStatus.DELIVERED, 3, {"ok": True}, "")
    assert deliver_message(message.pk, now=later + timedelta(hours=1)) is None  # delivered: never again
    assert backoff(20) == timedelta(hours=6)


def test_refusal_fails_the_message_for_good_and_staff_can_resend_it():
    message = queue()
    OUTCOMES.append(DeliveryRefused("对方系统拒收：号码无效"))
    failed = deliver_message(message.pk)
    assert failed.status == OutboxStatus.FAILED and failed.last_error == "对方系统拒收：号码无效"
    assert deliver_due(now=timezone.now() + timedelta(days=2)) == {}
    assert AuditEntry.objects.filter(action="outbox.failed", object_id="k-1").exists()

    retry_message(message=failed, actor="admin")
    assert deliver_message(message.pk).status == OutboxStatus.DELIVERED
    with pytest.raises(OutboxError, match="不是「发送失败」状态"):
        retry_message(message=failed, actor="admin")


def test_message_gives_up_after_the_last_attempt():
    message = queue()
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=MAX_ATTEMPTS - 1)
    OUTCOMES.append(RuntimeError("bug"))
    failed = deliver_message(message.pk)
    assert failed.status == OutboxStatus.FAILED
    assert failed.last_error.startswith(f"已尝试 {MAX_ATTEMPTS} 次仍未送达，停止重试：RuntimeError: bug")


def test_a_claimed_message_is_not_taken_by_a_second_worker_until_its_lease_runs_out():
    message = queue()
    now = timezone.now()
    # A worker claimed it and died mid-call: the lease keeps others off, then it is retried.
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=1, next_attempt_at=now + timedelta(minutes=5))
    assert deliver_message(message.pk, now=now) is None
    assert deliver_message(message.pk, now=now + timedelta(minutes=5)).status == OutboxStatus.DELIVERED


def test_command_delivers_due_messages_and_lists_them():
    queue()
    out = StringIO()
    call_command("outbox", "deliver", stdout=out)
    assert out.getvalue().strip() == "外发消息：已送达 1 条"
    out = StringIO()
    call_command("outbox", "list", "--status", "delivered", stdout=out)
    assert "test.echo → gateway  k-1" in out.getvalue()
