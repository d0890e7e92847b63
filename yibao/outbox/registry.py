"""Who delivers each kind of outbox message.

A domain registers one function per kind at import (its AppConfig.ready), like
the item-handler registry of the case engine::

    from yibao.outbox.registry import DeliveryRefused, RetryLater, register_deliverer

    @register_deliverer("sms.notice")
    def send_sms(message: OutboxMessage) -> dict:
        ...  # talk to the gateway; return the receipt (stored on the message)

The function runs outside any transaction of the business data. It returns the
receiver's receipt (a JSON-able dict) on success, raises ``RetryLater`` for a
failure worth retrying (network, timeout, 5xx) and ``DeliveryRefused`` when
the receiver refused the message for good (retrying cannot help). Any other
exception is treated as worth retrying, so a bug fixed in a release still
delivers what was queued.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yibao.outbox.models import OutboxMessage

Deliverer = Callable[["OutboxMessage"], dict | None]

_DELIVERERS: dict[str, Deliverer] = {}


class RetryLater(Exception):
    """A delivery failed in a way that may pass (the message says why, in Chinese)."""


class DeliveryRefused(Exception):
    """The receiver refused the message for good; it will not be retried."""


def register_deliverer(kind: str) -> Callable[[Deliverer], Deliverer]:
    """Decorator: ``fn`` delivers the messages of ``kind``; one function per kind."""

    def decorate(fn: Deliverer) -> Deliverer:
        if kind in _DELIVERERS and _DELIVERERS[kind] is not fn:
            raise ValueError(f"outbox kind {kind!r} already has a deliverer: {_DELIVERERS[kind]!r}")
        _DELIVERERS[kind] = fn
        return fn

    return decorate


def deliverer_for(kind: str) -> Deliverer | None:
    return _DELIVERERS.get(kind)


def registered_kinds() -> list[str]:
    return sorted(_DELIVERERS)
