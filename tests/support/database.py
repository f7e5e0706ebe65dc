"""The test database emptied after each transactional test by DELETE rather than TRUNCATE.

pytest-django empties the database after a ``transaction=True`` test with Django's ``flush``: one
TRUNCATE of every table, which on PostgreSQL gives each table and index a new file (seconds for
our ~120 tables on a busy machine), then post_migrate, which writes every content type and
permission again. The few rows a test leaves behind go faster by DELETE (all our foreign keys are
deferrable: the order does not matter), and the content types and permissions, which no test
writes, stay where they are: post_migrate, which would only read them all again (two queries per
app), runs only if their number changed.

A test with ``reset_sequences=True`` (or a flush of some apps only) still gets Django's TRUNCATE.
"""

from __future__ import annotations

from urllib.parse import quote

# Written by migrations and post_migrate only; kept so that post_migrate has nothing to redo.
KEPT = frozenset({"django_content_type", "auth_permission"})


def install_fast_flush() -> None:
    try:
        from django.db.backends.postgresql.operations import DatabaseOperations
    except ImportError:  # no PostgreSQL driver: SQLite's flush is DELETE already
        return
    truncate = DatabaseOperations.sql_flush
    if getattr(truncate, "deletes", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        # Checked at commit, when every table is empty.
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in sorted(tables)
            if table not in KEPT
        ]

    sql_flush.deletes = True  # type: ignore[attr-defined]
    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]

    from django.core.management.commands import flush

    emit = flush.emit_post_migrate_signal  # type: ignore[attr-defined]
    intact: dict[str, tuple[int, int]] = {}

    def emit_unless_intact(verbosity, interactive, db, **kwargs):
        if _kept_rows(db) != intact.get(db):
            emit(verbosity, interactive, db, **kwargs)
            intact[db] = _kept_rows(db)

    flush.emit_post_migrate_signal = emit_unless_intact  # type: ignore[attr-defined]


def _kept_rows(db: str) -> tuple[int, int]:
    from django.db import connections

    with connections[db].cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM django_content_type),"
            " (SELECT count(*) FROM auth_permission)"
        )
        return tuple(cursor.fetchone())


def database_url(name: str | None = None) -> str:
    """``postgres://`` URL of the test database (or of ``name`` on its server), for a subprocess
    that must reach it: a worker, ``manage.py``, a separate connection."""
    from django.db import connection

    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{name or db['NAME']}"
