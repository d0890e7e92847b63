"""The SMS gateway: the one function other domains call to text a person or unit.

    from yibao.notifications.services import send_sms
    send_sms(phone="13800000001", text="……", purpose="death_claim", actor=clerk)

The message is written (``SmsMessage``) with an outbox message inside the
caller's transaction; after commit the outbox worker hands it to the configured
backend and retries a failing gateway, so a refused action sends nothing and a
gateway outage loses nothing.
"""

from __future__ import annotations

import re
from functools import cache

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from yibao.audit.services import record_audit
from yibao.errors import DomainError
from yibao.notifications.delivery import queue_delivery
from yibao.notifications.models import SmsMessage

# Mainland mobile numbers only: a landline cannot receive a text.
MOBILE = re.compile(r"^1[3-9]\d{9}$")
MAX_TEXT = 500
DEFAULT_BACKEND = "yibao.notifications.backends.OutboxBackend"


class SmsError(DomainError):
    """A message that cannot be sent; the Chinese message names the field."""

    code = "sms_refused"


def is_mobile(phone: str) -> bool:
    """Whether ``phone`` is a mainland mobile number that can receive a text."""
    return bool(MOBILE.match((phone or "").strip()))


def mask_phone(phone: str) -> str:
    """138****0001: enough for a person to recognise their number, not to learn it."""
    phone = (phone or "").strip()
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


@cache
def _backend(path: str):
    return import_string(path)()


def backend():
    """The configured delivery backend (``settings.YIBAO_SMS_BACKEND``)."""
    return _backend(getattr(settings, "YIBAO_SMS_BACKEND", DEFAULT_BACKEND))


def send_sms(*, phone: str, text: str, purpose: str, actor: str = "system", reference: str = "") -> SmsMessage:
    """Queue one text message to ``phone`` and deliver it after the transaction commits.

    ``purpose`` is a short key (``register_person``, ``death_claim`` …) that
    the outbox can be filtered by; ``reference`` names what it is about (a case
    number), see ``was_notified``. Refuses a phone that is not a mobile number
    and an empty or over-long text, writing nothing.
    """
    phone = (phone or "").strip()
    if not is_mobile(phone):
        raise SmsError(f"字段 手机号码：「{mask_phone(phone)}」不是可以接收短信的手机号码")
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT:
        raise SmsError(f"字段 短信内容：不能为空，且不超过 {MAX_TEXT} 字")
    purpose = (purpose or "").strip()[:40]
    if not purpose:
        raise SmsError("字段 用途：必填")
    delivery = backend()
    with transaction.atomic():
        message = SmsMessage.objects.create(phone=phone, text=text, purpose=purpose, reference=reference[:40],
                                            backend=type(delivery).__name__)
        # The text may hold a one-time code: the audit row says only that a message went out.
        record_audit(actor=actor, action="notifications.sms.queue", object_type="SmsMessage",
                     object_id=str(message.pk), after={"phone": mask_phone(phone), "purpose": purpose,
                                                               "reference": reference[:40]})
        # The outbox sends it after commit and retries a failing gateway (notifications/delivery.py).
        queue_delivery(message)
    return message


def was_notified(*, phone: str, purpose: str, reference: str) -> bool:
    """Whether a message of ``purpose`` about ``reference`` was queued to ``phone``."""
    return SmsMessage.objects.filter(phone=phone.strip(), purpose=purpose, reference=reference).exists()
