"""The hot cursor: prepared statements on PostgreSQL, Django's cursor otherwise, always logged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from oceanis.db import hot_cursor

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
def test_the_ordinary_orm_is_left_unprepared():
    _run(1)
    from clients.models import Client

    for _ in range(3):
        list(Client.objects.filter(code="acme"))
    assert not any("clients_client" in s for s in _prepared())


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
