"""A Celery worker keeps its PostgreSQL connection from one task to the next (CONN_MAX_AGE), as a
web process does between requests, instead of a new backend for every ticket event."""

from __future__ import annotations

import pytest
from django.db import connection

from notifications.models import EventDispatch
from tests.factories import ClientFactory, ContractFactory
from tickets.models import EventKind
from tickets.services import ticket_create

from .support import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def other_backends() -> dict[int, object]:
    """The backends connected to the test database besides this process's: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return dict(cursor.fetchall())


def create_and_wait(client, count: int) -> None:
    tickets = [
        ticket_create(
            client=client,
            title=f"Panne {n}",
            description="x",
            channel="api",
            by=None,
            urgency="slightly_blocking",
        )
        for n in range(count)
    ]
    wait_until(
        lambda: (
            EventDispatch.objects.filter(
                event__ticket__in=tickets, event__kind=EventKind.CREATED
            ).count()
            == count
        ),
        timeout=60,
        what="the worker to read every creation event",
    )


def test_a_worker_keeps_one_database_connection_across_tasks(broker, workers):
    client = ClientFactory()
    ContractFactory(client=client)
    workers({"CONN_MAX_AGE": "600"})
    create_and_wait(client, 3)
    first = other_backends()
    assert first, "the worker holds no connection between tasks"
    create_and_wait(client, 5)
    # Same backends, started before the second batch: nothing was reopened for it.
    assert other_backends() == first


def test_with_conn_max_age_0_the_worker_closes_its_connection_after_each_task(broker, workers):
    client = ClientFactory()
    ContractFactory(client=client)
    workers({"CONN_MAX_AGE": "0"})
    create_and_wait(client, 2)
    wait_until(lambda: not other_backends(), timeout=10, what="the worker's connection to close")
