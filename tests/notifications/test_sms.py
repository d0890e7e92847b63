"""The SMS gateway: every message lands in the outbox, the backend delivers it after commit."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from yibao.notifications.models import SmsMessage, SmsStatus
from yibao.notifications.services import SmsError, send_sms

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


def test_the_console_backend_prints_after_commit(settings, capsys, django_capture_on_commit_callbacks):
    settings.YIBAO_SMS_BACKEND = "yibao.notifications.backends.ConsoleBackend"
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(phone="13800000001", text="验证码 123456", purpose="test")
        assert "123456" not in capsys.readouterr().err
    assert "[短信] 发往 13800000001（test）：验证码 123456" in capsys.readouterr().err
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT


def test_administrators_read_the_outbox_in_the_admin(client):
    send_sms(phone="13800000001", text="验证码 123456", purpose="code_register")
    admin = get_user_model().objects.create_superuser("root", password="x-pass-12345")
    client.force_login(admin)
    response = client.get(reverse("admin:notifications_smsmessage_changelist"))
    assert response.status_code == 200
    assert "验证码 123456" in response.content.decode()
