"""Automatic closure racing itself or a client reply: run on PostgreSQL (CI), skipped on SQLite."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from tests.factories import ContractFactory, TechnicianFactory, make_ticket
from tests.support import run_in_threads
from tickets import services
from tickets.autoclose import sweep_resolved_tickets
from tickets.models import Channel, EventKind, State, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]

PARIS = ZoneInfo("Europe/Paris")
RESOLVED_AT = datetime(2026, 12, 16, 10, 0, tzinfo=PARIS)
REMIND_AT = datetime(2026, 12, 28, 10, 0, tzinfo=PARIS)
CLOSE_AT = datetime(2026, 12, 31, 10, 0, tzinfo=PARIS)


@pytest.fixture
def resolved(db):
    tech = TechnicianFactory()
    with time_machine.travel(RESOLVED_AT, tick=False):
        ticket = make_ticket(client=ContractFactory().client)
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Fait.")
    return ticket


def test_two_sweeps_at_once_send_one_reminder_then_close_once(resolved):
    with time_machine.travel(REMIND_AT, tick=False):
        results = run_in_threads(2, lambda i: sweep_resolved_tickets())
    assert sum(value.reminded for _, value in results) == 1, results
    with time_machine.travel(CLOSE_AT, tick=False):
        results = run_in_threads(2, lambda i: sweep_resolved_tickets())
    assert sum(value.closed for _, value in results) == 1, results
    assert resolved.events.filter(kind=EventKind.CLOSURE_REMINDER).count() == 1
    assert resolved.events.filter(to_state=State.CLOSED).count() == 1


def test_a_sweep_racing_a_client_reply_either_reopens_or_closes_then_follows_up(resolved):
    with time_machine.travel(REMIND_AT, tick=False):
        sweep_resolved_tickets()

    def act(i):
        if i == 0:
            return sweep_resolved_tickets()
        return services.ticket_client_reply(
            ticket=Ticket.objects.get(pk=resolved.pk),
            by=None,
            body="Encore en panne",
            via=Channel.EMAIL,
        ).outcome

    # The last instant a reply reopens is also the instant the closure is due.
    with time_machine.travel(CLOSE_AT, tick=False):
        results = run_in_threads(2, act)
    assert all(kind == "ok" for kind, _ in results), results
    resolved.refresh_from_db()
    outcome = results[1][1]
    if resolved.state == State.CLOSED:
        assert outcome == "follow_up" and resolved.follow_ups.count() == 1
    else:
        assert resolved.state == State.IN_PROGRESS and outcome == "reopened"
        assert not resolved.follow_ups.exists()
