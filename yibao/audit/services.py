"""Audit trail. Called by every service function inside its own transaction."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from yibao.audit.models import AuditEntry

_pending = threading.local()


@contextmanager
def audits_written_together() -> Iterator[None]:
    """Inside this block ``record_audit`` collects its rows and the block writes them in one INSERT
    as it ends, inside the caller's transaction (which must enclose the block).

    For a step whose writes stand or fall together (``yibao.transactions.all_or_nothing``): on a
    refusal the block is left by the exception and its rows are dropped, as the transaction drops
    the writes they record. A block inside another hands its rows to the outer one.
    """
    rows = getattr(_pending, "rows", None)
    if rows is not None:
        mark = len(rows)
        try:
            yield
        except BaseException:
            del rows[mark:]
            raise
        return
    _pending.rows = rows = []
    try:
        yield
        if rows:
            AuditEntry.objects.bulk_create(rows)
    finally:
        _pending.rows = None


def record_audit(
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: Any = "",
    channel: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Write one audit row; call it inside the transaction of the write it records.

    Inside ``audits_written_together`` the row is written when that block ends (its ``pk`` is
    set then)."""
    entry = AuditEntry(actor=actor, action=action, object_type=object_type, object_id=str(object_id),
                       channel=channel, before=before, after=after)
    rows = getattr(_pending, "rows", None)
    if rows is not None:
        rows.append(entry)
    else:
        entry.save(force_insert=True)
    return entry


def record_audits(entries: list[dict[str, Any]], *, batch_size: int = 2000) -> int:
    """Write many audit rows at once (a set-wise write of many objects); same fields as ``record_audit``.

    Call it inside the transaction of the writes it records; returns the number of rows written."""
    rows = [AuditEntry(actor=e["actor"], action=e["action"], object_type=e["object_type"],
                       object_id=str(e.get("object_id", "")), channel=e.get("channel", ""),
                       before=e.get("before"), after=e.get("after")) for e in entries]
    AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
