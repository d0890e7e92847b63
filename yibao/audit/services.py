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
