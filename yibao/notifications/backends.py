"""SMS delivery backends, chosen by ``settings.YIBAO_SMS_BACKEND`` (a dotted path).

A backend has one method, ``deliver(message)``, called by the outbox worker after
the transaction that wrote the message has committed; raising makes the outbox
retry it later (``notifications/delivery.py``). A real gateway (the operator's or
the province's SMS platform) is a class with the same method.
"""

from __future__ import annotations

import logging
import sys

from yibao.notifications.models import SmsMessage

logger = logging.getLogger("yibao.sms")


class OutboxBackend:
    """Demo and tests: the message stays in the outbox table, readable in the admin
    (短信通知 › 短信发件箱); nothing leaves the machine."""

    def deliver(self, message: SmsMessage) -> None:
        # Nothing to send: the row is the delivery.
        return None


class ConsoleBackend:
    """Development: prints each message on the server's console (stderr) and logs it,
    and keeps the outbox row, marked sent."""

    def deliver(self, message: SmsMessage) -> None:
        line = f"[短信] 发往 {message.phone}（{message.purpose}）：{message.text}"
        print(line, file=sys.stderr, flush=True)
        logger.info(line)
