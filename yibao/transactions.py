"""How services open transactions inside one another."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction

_local = threading.local()


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Inside this block, services marked ``nested_service`` open no savepoint of their own.

    For a step that succeeds or fails as a whole (a case's 办结 enrolling persons, opening periods
    and accounts): the caller's own transaction or savepoint undoes everything on a refusal, so
    a savepoint per nested call would only add two round trips each. The caller must not catch a
    nested service's error and carry on inside the block (Django then refuses any further query).

    For the same reason the block's audit rows are written together as it ends, in one INSERT
    (``yibao.audit.services.audits_written_together``).
    """
    from yibao.audit.services import (
        audits_written_together,  # the audit app's models load after setup
    )

    _local.depth = getattr(_local, "depth", 0) + 1
    try:
        with audits_written_together():
            yield
    finally:
        _local.depth -= 1


def nested_service(func):
    """``transaction.atomic`` for a service, without its savepoint inside ``all_or_nothing``."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        with transaction.atomic(savepoint=not getattr(_local, "depth", 0)):
            return func(*args, **kwargs)

    return run
