"""The row writes of a case move: the compare-and-set UPDATE of the case and its event row.

On PostgreSQL both go in one statement, a data-modifying WITH: the event row is inserted only when
the UPDATE matched the (status, version) that was read, so a lost race writes nothing and says so
by returning no row. Each half is Django's own SQL: the UPDATE as ``QuerySet.update`` compiles it,
the event's values as its fields prepare them for ``save`` (each cast to its column's type), so
conversions, defaults and ``auto_now_add`` are those of the two ORM calls it replaces. Elsewhere
(SQLite) it is those two calls.
"""

from __future__ import annotations

from typing import Any, cast

from django.db import connection
from django.db.models.sql.subqueries import UpdateQuery

from yibao.cases.models import Case, CaseEvent


def move_row(case: Case, *, from_status: str, values: dict[str, Any], event: CaseEvent) -> bool:
    """Set ``values`` on ``case`` if it is still at ``from_status`` and its version, and insert
    ``event`` (unsaved) with it; False, and nothing written, if the case had moved meanwhile."""
    cases = Case.objects.filter(pk=case.pk, status=from_status, version=case.version)
    if connection.vendor != "postgresql":
        if cases.update(**values) != 1:
            return False
        event.save(force_insert=True)
        return True
    query = cast(UpdateQuery, cases.query.chain(UpdateQuery))
    query.add_update_values(values)
    update_sql, update_params = query.get_compiler(connection=connection).as_sql()
    fields = [f for f in CaseEvent._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    values_sql = ", ".join(f"%s::{f.db_type(connection)}" for f in fields)
    event_params = [f.get_db_prep_save(f.pre_save(event, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH moved AS ({update_sql} RETURNING 1) "
            f"INSERT INTO {quote(CaseEvent._meta.db_table)} ({columns}) SELECT {values_sql} FROM moved "
            f"RETURNING {quote(str(CaseEvent._meta.pk.column))}",
            [*update_params, *event_params])
        row = cursor.fetchone()
    if row is None:
        return False
    event.pk = row[0]
    event._state.adding, event._state.db = False, connection.alias
    return True
