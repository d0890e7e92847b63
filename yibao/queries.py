"""Small query helpers the hot paths share."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import connection
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


class CompiledRows:
    """A queryset's SQL compiled once per process, run again with new values in its places.

    For the reads every case action makes with the same shape (the case by its number, the
    materials and events of a case): Django compiles a queryset's SQL anew each time it runs it,
    which was a third of an action's CPU. ``build`` makes the queryset from ``placeholders``
    (values of the right type that appear nowhere else in it); each call sends that SQL with the
    caller's values in the placeholders' places, and the rows come back converted by Django's own
    converters, exactly as the queryset would give them. For ``values_list`` querysets (tuples)
    and plain model querysets without ``select_related`` (``instances``).
    """

    def __init__(self, build: Callable[..., QuerySet], *placeholders: Any) -> None:
        self._build = build
        self._placeholders = placeholders
        self._compiled: dict[tuple[str, str], tuple[str, list, list[tuple[int, int]], Any]] = {}
        self._lock = threading.Lock()

    def _compile(self) -> tuple[str, list, list[tuple[int, int]], Any]:
        key = (connection.alias, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiler = self._build(*self._placeholders).query.get_compiler(connection=connection)
            sql, params = compiler.as_sql()
            slots = [(index, self._placeholders.index(value)) for index, value in enumerate(params)
                     if any(value is p or (type(value) is type(p) and value == p) for p in self._placeholders)]
            if sorted({k for _, k in slots}) != list(range(len(self._placeholders))):
                raise RuntimeError("CompiledRows: a placeholder did not reach the SQL's parameters")
            compiled = (sql, list(params), slots, compiler)
            with self._lock:
                self._compiled[key] = compiled
        return compiled

    def rows(self, *values: Any) -> list[tuple]:
        """The rows for ``values`` (one per placeholder), converted as the queryset converts them."""
        sql, params, slots, compiler = self._compile()
        args = list(params)
        for index, which in slots:
            args[index] = values[which]
        with connection.cursor() as cursor:
            cursor.execute(sql, args)
            fetched = cursor.fetchall()
        return list(compiler.results_iter(results=[fetched], tuple_expected=True))

    def instances(self, *values: Any) -> list:
        """The model instances for ``values`` (a plain model queryset)."""
        rows = self.rows(*values)
        if not rows:
            return []
        _, _, _, compiler = self._compile()
        model = compiler.query.model
        names = [column[0].target.attname for column in compiler.select[:compiler.col_count]]
        return [model.from_db(connection.alias, names, row) for row in rows]
