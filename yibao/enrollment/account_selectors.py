"""Reads of personal accounts (个人账户): the balance and its movements, lean (``.values()``)."""

from __future__ import annotations

from yibao.enrollment.models import AccountMovement, MovementKind, PersonalAccount

ACCOUNT_FIELDS = ("id", "person_id", "balance", "status", "closed_on", "close_reason")
MOVEMENT_FIELDS = ("created_at", "kind", "amount", "balance_after", "case_number", "note")
KIND_LABELS = dict(MovementKind.choices)


def account_summary(person_id: int) -> dict | None:
    """The person's personal account (balance, status, when and why closed), or None."""
    return PersonalAccount.objects.filter(person_id=person_id).values(*ACCOUNT_FIELDS).first()


def movements_of(person_id: int, *, limit: int = 200) -> list[dict]:
    """The person's account movements, newest first, each with its kind's Chinese label (one query)."""
    rows = list(AccountMovement.objects.filter(account__person_id=person_id)
                .order_by("-created_at", "-id").values(*MOVEMENT_FIELDS)[:limit])
    for row in rows:
        row["kind_label"] = KIND_LABELS.get(row["kind"], row["kind"])
    return rows
