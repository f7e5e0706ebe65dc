"""A cursor for the few hand-written statements every request runs, prepared on PostgreSQL.

On PostgreSQL Django binds server-side (``server_side_binding``, settings.py) and psycopg
prepares a statement once the connection has run it five times. For the statements on the
hottest paths (API token, alert routing and upsert, ticket reference, search documents)
PostgreSQL's parse and plan cost more than the execution itself (the token lookup: 240 µs of
server CPU unprepared, 50 µs prepared), so this cursor prepares them from their first use; the
prepared statements live with the connection (psycopg keeps the 100 most recent).

``DATABASE_PREPARED_STATEMENTS=false`` turns it off, for a pooler that cannot follow prepared
statements (PgBouncer before 1.21 in transaction mode). On SQLite it is Django's own cursor.
Either way the cursor is wrapped like Django's, so query logging and query-count tests see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from typing import ClassVar

from django.conf import settings
from django.db import connection
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Value


class _PreparedCursor(CursorWrapper):
    """Prepares each statement on its first execution (the ORM's wait for psycopg's threshold:
    these run on every request, so the first run already pays for the next ones)."""

    def _execute(self, sql, params, *ignored_wrapper_args):
        self.db.validate_no_broken_transaction()
        with self.db.wrap_database_errors:
            return self.cursor.execute(sql, params, prepare=True)


class _LoggedCursor(_PreparedCursor, CursorDebugWrapper):
    """Logs the statement as written: Django reads a client-bound query back from the cursor,
    which a prepared execution does not keep."""

    def execute(self, sql, params=None):
        with self.debug_sql(sql, params, use_last_executed_query=False):
            return CursorWrapper.execute(self, sql, params)


@contextmanager
def hot_cursor():
    """``with hot_cursor() as cursor: cursor.execute(sql, params)`` (``%s`` placeholders)."""
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    wrapper = _LoggedCursor if connection.queries_logged else _PreparedCursor
    with wrapper(psycopg.Cursor(connection.connection), connection) as cursor:
        yield cursor


class HotSelect:
    """Whole rows of one or several joined models, by a hand-written SELECT run on the hot cursor.

    For lookups every request makes (an API token, a client by code, its contract in force):
    compiling the same ORM query each time cost more than running it. The column list is built
    once from the models' metadata, values go through the backend's converters as the ORM's
    would, and each row comes back as model instances (``None`` for an unmatched outer join).

    ``tail`` is the SQL after the column list, with ``{0}``, ``{1}``… standing for the quoted
    tables of ``models`` (given as "app_label.Model"), and ``%s`` placeholders for values.

    ``extra`` adds columns that are no model's (a sub-select, as an ORM annotation would): each
    is ``(sql, "app_label.Model.field")``, the field giving its type, and so its converters, as
    the annotation's ``output_field`` would. Its SQL may use the same ``{0}``… and ``{table}``
    for the quoted table of that field's model. The values follow the instances in each row,
    and the extra columns' ``%s`` parameters come before the tail's.

    Each statement is held equal to its ORM query on the same data by tests/oceanis/
    test_hotselect.py (on SQLite and PostgreSQL), which finds them in ``declared``.
    """

    declared: ClassVar[list[HotSelect]] = []

    def __init__(self, *models: str, tail: str, extra: Sequence[tuple[str, str]] = ()):
        self.labels, self.tail, self.extra, self.sql = models, tail, tuple(extra), None
        HotSelect.declared.append(self)

    def _build(self) -> None:
        from django.apps import apps

        q = connection.ops.quote_name
        self.models = [apps.get_model(label) for label in self.labels]
        self.fields = [list(model._meta.concrete_fields) for model in self.models]
        self.names = [[f.attname for f in fields] for fields in self.fields]
        tables = [q(model._meta.db_table) for model in self.models]
        columns = ", ".join(
            f"{table}.{q(f.column)}"
            for table, fields in zip(tables, self.fields, strict=True)
            for f in fields
        )
        self.converters = []
        for fields in self.fields:
            for f in fields:
                self._add_converters(f.cached_col)
        for sql, label in self.extra:
            app_label, model_name, field_name = label.split(".")
            field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
            # Converted as the ORM converts an annotation of that output field (an expression,
            # not a column: it also casts numbers).
            self._add_converters(Value(None, output_field=field))
            columns += ", " + sql.format(*tables, table=q(field.model._meta.db_table))
        # Only quoted identifiers are interpolated; values stay %s parameters.
        self.sql = f"SELECT {columns} {self.tail.format(*tables)}"

    def _add_converters(self, expression) -> None:
        backend = connection.ops.get_db_converters(expression)
        self.converters.append((expression, backend + expression.get_db_converters(connection)))

    def first(self, params: list) -> tuple | None:
        """The first row as a tuple of instances (one per model) then the ``extra`` values, or
        None."""
        if self.sql is None:
            self._build()
        with hot_cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        values = []
        for value, (col, converters) in zip(row, self.converters, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            values.append(value)
        instances, start = [], 0
        for model, names in zip(self.models, self.names, strict=True):
            chunk = values[start : start + len(names)]
            start += len(names)
            instances.append(None if chunk[0] is None else model.from_db("default", names, chunk))
        return (*instances, *values[start:])


def delete_in_batches(rows, batch: int = 5_000) -> int:
    """Delete a queryset's rows ``batch`` at a time; returns how many rows were deleted.

    For retention tasks: a large backlog is removed by short transactions instead of one long
    one holding locks and bloating the WAL at once.
    """
    deleted = 0
    while ids := list(rows.values_list("pk", flat=True)[:batch]):
        deleted += rows.model.objects.filter(pk__in=ids).delete()[0]
    return deleted
