"""Same fingerprint from parallel connections: PostgreSQL only (CI), skipped on SQLite."""

import pytest
from django.db import connection

from alerts.models import Event
from alerts.services import alerts_ingest
from api.services import token_create
from tests.alerts.test_parsing import parse
from tests.factories import ContractFactory
from tests.tickets.test_concurrency import run_in_threads
from tickets.models import Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]

THREADS, ROUNDS = 8, 10


def test_parallel_senders_of_one_fingerprint_converge_on_one_event_and_one_ticket():
    client = ContractFactory(client__code="acme").client
    by = token_create(name="Supervision", scopes=["alerts:write"])[0].user
    alerts = parse({"host": "srv1", "severity": "critical", "client": "acme", "fingerprint": "x"})

    def send(i):
        return [alerts_ingest(alerts=alerts, by=by).tickets_opened for _ in range(ROUNDS)]

    results = run_in_threads(THREADS, send)
    assert all(kind == "ok" for kind, _ in results), results
    opened = [ref for _, rounds in results for refs in rounds for ref in refs]
    assert len(opened) == 1
    event = Event.objects.get()
    assert event.client == client and event.count == THREADS * ROUNDS
    assert Ticket.objects.count() == 1 and event.ticket.reference == opened[0]


def test_parallel_batches_with_overlapping_fingerprints_do_not_deadlock():
    ContractFactory(client__code="acme")
    by = token_create(name="Supervision", scopes=["alerts:write"])[0].user
    rows = [{"host": f"h{i}", "severity": "warning", "client": "acme"} for i in range(20)]

    def send(i):
        batch = parse(rows[::-1] if i % 2 else rows)  # opposite orders on purpose
        return alerts_ingest(alerts=batch, by=by).created

    results = run_in_threads(THREADS, send)
    assert all(kind == "ok" for kind, _ in results), results
    assert sum(value for _, value in results) == 20
    assert Event.objects.count() == 20
    assert set(Event.objects.values_list("count", flat=True)) == {THREADS}


def test_parallel_recoveries_close_the_event_once():
    ContractFactory(client__code="acme")
    by = token_create(name="Supervision", scopes=["alerts:write"])[0].user
    firing = parse({"host": "srv1", "severity": "critical", "client": "acme"})
    alerts_ingest(alerts=firing, by=by)
    resolved = parse({"host": "srv1", "severity": "critical", "client": "acme", "status": "ok"})

    results = run_in_threads(THREADS, lambda i: alerts_ingest(alerts=resolved, by=by).resolved)
    assert sorted(value for _, value in results) == [0] * (THREADS - 1) + [1]
    ticket = Ticket.objects.get()
    assert ticket.state == "cancelled"
    assert ticket.events.filter(kind="note").count() == 1
