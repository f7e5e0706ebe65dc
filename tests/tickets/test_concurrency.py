"""Races that only a real database shows: run on PostgreSQL (CI), skipped on SQLite."""

import pytest
from django.db import connection

from tests.factories import ContractFactory, TechnicianFactory, make_ticket
from tests.support import run_in_threads
from tickets import services
from tickets.models import EventKind, State, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]


def test_two_technicians_taking_the_same_ticket_yield_one_winner():
    ticket = make_ticket()
    techs = [TechnicianFactory(), TechnicianFactory()]

    def take(i):
        return services.ticket_take_in_charge(
            ticket=Ticket.objects.get(pk=ticket.pk), by=techs[i].user
        )

    results = run_in_threads(2, take)
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, services.TicketTransitionError)
    assert "Prise en charge" in str(error) or "in_progress" in str(error)
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS
    winner = next(value for kind, value in results if kind == "ok")
    assert ticket.assignee_id == winner.assignee_id
    taken = ticket.events.filter(kind=EventKind.TRANSITION, to_state=State.IN_PROGRESS)
    assert taken.count() == 1


def test_references_stay_unique_when_created_concurrently():
    client = ContractFactory().client

    def create(i):
        return make_ticket(client=client, title=f"Ticket {i}").reference

    results = run_in_threads(8, create)
    assert all(kind == "ok" for kind, _ in results), results
    refs = sorted(value for _, value in results)
    assert len(set(refs)) == 8
    assert refs[-1].endswith("000008")
