"""Audit trail. Called by every service function inside its own transaction."""

from typing import Any

from yibao.audit.models import AuditEntry


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
    """Write one audit row; call it inside the transaction of the write it records."""
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        channel=channel,
        before=before,
        after=after,
    )


def record_audits(entries: list[dict[str, Any]], *, batch_size: int = 2000) -> int:
    """Write many audit rows at once (a set-wise write of many objects); same fields as ``record_audit``.

    Call it inside the transaction of the writes it records; returns the number of rows written."""
    rows = [AuditEntry(actor=e["actor"], action=e["action"], object_type=e["object_type"],
                       object_id=str(e.get("object_id", "")), channel=e.get("channel", ""),
                       before=e.get("before"), after=e.get("after")) for e in entries]
    AuditEntry.objects.bulk_create(rows, batch_size=batch_size)
    return len(rows)
