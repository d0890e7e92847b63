"""Small query helpers the hot paths share."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def one_or_none(queryset: QuerySet[M]) -> M | None:
    """The row of ``queryset`` filtered on a unique key, or None.

    ``first()`` would add an ORDER BY (the model's ordering, or the primary key) that a unique key
    makes pointless, and that Django compiles (with the joins an ordering by a relation needs) and
    the database sorts on every call.
    """
    found = list(queryset.order_by()[:1])
    return found[0] if found else None
