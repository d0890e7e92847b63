"""The SMS gateway: every message lands in the outbox, the backend delivers it after commit."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from yibao.notifications.models import SmsMessage, SmsStatus
from yibao.notifications.services import SmsError, send_sms
from yibao.outbox.delivery import deliver_due
from yibao.outbox.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


def test_a_message_is_recorded_in_the_outbox():
    message = send_sms(phone="13800000001", text="【医保经办】测试", purpose="test", actor="t")
    assert SmsMessage.objects.get() == message
    assert (message.backend, message.status) == ("OutboxBackend", SmsStatus.QUEUED)


@pytest.mark.parametrize(("phone", "text", "message"), [
    ("0351-7000001", "x", "不是可以接收短信的手机号码"),
    ("13800000001", "  ", "字段 短信内容：不能为空"),
    ("13800000001", "长" * 501, "不超过 500 字"),
])
def test_bad_messages_are_refused_and_nothing_is_stored(phone, text, message):
    with pytest.raises(SmsError, match=message):
        send_sms(phone=phone, text=text, purpose="test")
    assert not SmsMessage.objects.exists()


def test_the_console_backend_prints_when_the_outbox_delivers_after_commit(settings, capsys,
                                                                          django_capture_on_commit_callbacks):
    settings.YIBAO_SMS_BACKEND = "yibao.notifications.backends.ConsoleBackend"
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(phone="13800000001", text="验证码 123456", purpose="test")
        assert "123456" not in capsys.readouterr().err
    assert deliver_due()[OutboxStatus.DELIVERED] == 1
    assert "[短信] 发往 13800000001（test）：验证码 123456" in capsys.readouterr().err
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and message.sent_at is not None


class FlakyGateway:
    """Fails the first ``failures`` sends, as an SMS platform does during an outage."""

    failures = 0
    sent: list = []

    def deliver(self, message):
        if FlakyGateway.failures:
            FlakyGateway.failures -= 1
            raise ConnectionError("短信平台连接超时")
        FlakyGateway.sent.append(message.text)


def test_a_failing_gateway_is_retried_with_backoff_and_the_text_goes_out_later(settings):
    settings.YIBAO_SMS_BACKEND = "tests.notifications.test_sms.FlakyGateway"
    FlakyGateway.failures, FlakyGateway.sent = 2, []
    message = send_sms(phone="13800000001", text="您的办件已受理", purpose="test", reference="C1")
    outbox = OutboxMessage.objects.get(kind="notifications.sms")

    deliver_due()
    outbox.refresh_from_db()
    message.refresh_from_db()
    assert (outbox.status, outbox.attempts) == (OutboxStatus.PENDING, 1)
    assert "短信平台连接超时" in outbox.last_error and "短信平台连接超时" in message.error
    assert message.status == SmsStatus.QUEUED and FlakyGateway.sent == []

    assert deliver_due()["skipped"] == 0 and FlakyGateway.sent == []  # not due again yet: backoff
    later = timezone.now() + timedelta(hours=1)
    deliver_due(now=later)  # second failure
    deliver_due(now=later + timedelta(hours=1))
    outbox.refresh_from_db()
    message.refresh_from_db()
    assert outbox.status == OutboxStatus.DELIVERED and message.status == SmsStatus.SENT and message.error == ""
    assert FlakyGateway.sent == ["您的办件已受理"]  # once


def test_a_rolled_back_action_texts_nobody():
    with pytest.raises(RuntimeError), transaction.atomic():
        send_sms(phone="13800000001", text="验证码 654321", purpose="test")
        raise RuntimeError("the business action failed after queueing its text")
    assert not SmsMessage.objects.exists() and not OutboxMessage.objects.exists()


def test_administrators_read_the_outbox_in_the_admin(client):
    send_sms(phone="13800000001", text="验证码 123456", purpose="code_register")
    admin = get_user_model().objects.create_superuser("root", password="x-pass-12345")
    client.force_login(admin)
    response = client.get(reverse("admin:notifications_smsmessage_changelist"))
    assert response.status_code == 200
    assert "验证码 123456" in response.content.decode()
