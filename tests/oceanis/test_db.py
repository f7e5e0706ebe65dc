"""Prepared statements on PostgreSQL: the hot cursor's at once, the ORM's once repeated; none for
a pooler that cannot follow them; always logged."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oceanis.db import hot_cursor
from tests.support.database import database_url

pytestmark = pytest.mark.django_db

SQL = "SELECT %s::int + 1"
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are a PostgreSQL feature"
)


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _run(value: int) -> int:
    with hot_cursor() as cursor:
        cursor.execute(SQL, [value])
        return cursor.fetchone()[0]


@postgres_only
def test_a_hot_statement_is_prepared_once_and_reused():
    assert [_run(n) for n in (1, 2, 3)] == [2, 3, 4]
    assert sum("$1::int + 1" in s for s in _prepared()) == 1


@postgres_only
def test_an_orm_statement_a_connection_repeats_is_prepared_once():
    from clients.models import Client

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as in a new session
    for _ in range(2):
        list(Client.objects.filter(code="acme"))
    assert not any("clients_client" in s for s in _prepared())  # a one-off is not kept
    for _ in range(6):
        list(Client.objects.filter(code="acme"))
    assert sum('"clients_client"."code" = $1' in s for s in _prepared()) == 1


@postgres_only
def test_prepared_statements_can_be_turned_off_for_poolers(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as in a new session
    assert _run(41) == 42
    assert not any("+ 1" in s for s in _prepared())


def test_hot_statements_are_logged_like_any_query():
    with CaptureQueriesContext(connection) as ctx, hot_cursor() as cursor:
        cursor.execute("SELECT %s + 1", [6])
        assert cursor.fetchone()[0] == 7
    # Django's cursor logs the interpolated query, the prepared one its placeholders.
    assert [q["sql"] for q in ctx.captured_queries] in (["SELECT %s + 1"], ["SELECT 6 + 1"])


@postgres_only
def test_a_process_started_without_prepared_statements_binds_client_side():
    """``DATABASE_PREPARED_STATEMENTS=false`` is read at start-up: the ORM binds client-side, so
    a transaction-mode pooler never sees a prepared statement, however often a query repeats."""
    script = (
        "import json\n"
        "from django.db import connection\n"
        "from clients.models import Client\n"
        "for _ in range(8):\n"
        "    list(Client.objects.filter(code='acme'))\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SELECT count(*) FROM pg_prepared_statements')\n"
        "    prepared = cursor.fetchone()[0]\n"
        "print(json.dumps([connection.features.uses_server_side_binding, prepared]))\n"
    )
    env = {**os.environ, "DATABASE_PREPARED_STATEMENTS": "false"}
    env["DATABASE_URL"] = database_url()  # the test database: its tables exist, rows don't matter
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=root, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [False, 0]
