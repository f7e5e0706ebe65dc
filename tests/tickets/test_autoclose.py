"""Resolved tickets close themselves: a reminder after 7 business days, the closure after 10."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, make_ticket
from tickets import services
from tickets.autoclose import planned_closure, sweep_resolved_tickets
from tickets.models import Channel, EventKind, State
from tickets.services import ReplyOutcome, ticket_client_reply
from tickets.tasks import close_resolved_tickets

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
RESOLVED_AT = datetime(2026, 12, 16, 10, 0, tzinfo=PARIS)  # Wednesday
# Business days: Thu 17, Fri 18, Mon 21 … Thu 24, (Christmas Friday), Mon 28 = 7th;
# Tue 29, Wed 30, Thu 31 = 10th.
REMIND_AT = datetime(2026, 12, 28, 10, 0, tzinfo=PARIS)
CLOSE_AT = datetime(2026, 12, 31, 10, 0, tzinfo=PARIS)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="julien")


@pytest.fixture
def resolved(tech):
    contact = ContactFactory(client=ContractFactory().client)
    with time_machine.travel(RESOLVED_AT - timedelta(hours=1), tick=False):
        ticket = make_ticket(client=contact.client, contact=contact)
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    with time_machine.travel(RESOLVED_AT, tick=False):
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Toner remplacé, test OK.")
    return ticket


def _sweep(at):
    with time_machine.travel(at, tick=False):
        return sweep_resolved_tickets()


def _reminders(ticket):
    return list(ticket.events.filter(kind=EventKind.CLOSURE_REMINDER))


def test_the_reminder_comes_after_seven_business_days_not_counting_christmas(resolved):
    # Seven calendar-week days would be Friday 25 (Christmas): not yet.
    assert _sweep(datetime(2026, 12, 25, 10, 0, tzinfo=PARIS)).reminded == 0
    assert _sweep(REMIND_AT - MINUTE).reminded == 0
    assert _reminders(resolved) == []
    result = _sweep(REMIND_AT)
    assert (result.reminded, result.closed) == (1, 0)
    [reminder] = _reminders(resolved)
    assert reminder.public and reminder.actor is None and reminder.at == REMIND_AT
    assert "Sans retour de votre part, la demande sera clôturée le 31/12/2026 à 10:00" in (
        reminder.body
    )
    resolved.refresh_from_db()
    assert resolved.state == State.RESOLVED


def test_the_closure_comes_after_ten_business_days_with_the_resolution_report(resolved):
    _sweep(REMIND_AT)
    assert _sweep(CLOSE_AT - MINUTE).closed == 0
    resolved.refresh_from_db()
    assert resolved.state == State.RESOLVED
    assert _sweep(CLOSE_AT).closed == 1
    resolved.refresh_from_db()
    assert resolved.state == State.CLOSED and resolved.closed_at == CLOSE_AT
    assert resolved.closure_synthesis == "Toner remplacé, test OK."
    closing = resolved.events.get(to_state=State.CLOSED)
    assert closing.actor is None and closing.payload["auto"] is True
    assert closing.body == "Toner remplacé, test OK."


def test_without_a_resolution_report_the_synthesis_says_it_closed_itself(tech):
    ticket = make_ticket(client=ContractFactory().client)
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    with time_machine.travel(RESOLVED_AT, tick=False):
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Corrigé.")
    # A ticket resolved before the report was mandatory: its resolution event has no text.
    ticket.events.filter(to_state=State.RESOLVED).update(body="")
    _sweep(REMIND_AT)
    _sweep(CLOSE_AT)
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert ticket.closure_synthesis.startswith("Clôture automatique")


def test_running_the_sweep_again_or_twice_changes_nothing_more(resolved):
    _sweep(REMIND_AT)
    assert _sweep(REMIND_AT + MINUTE).reminded == 0
    assert len(_reminders(resolved)) == 1
    _sweep(CLOSE_AT)
    events = resolved.events.count()
    result = _sweep(CLOSE_AT + MINUTE)
    assert (result.reminded, result.closed) == (0, 0)
    assert resolved.events.count() == events
    assert resolved.events.filter(to_state=State.CLOSED).count() == 1


def test_the_periodic_task_runs_the_sweep(resolved):
    with time_machine.travel(REMIND_AT, tick=False):
        assert close_resolved_tickets() == {"reminded": 1, "closed": 0}


def test_a_client_reply_in_between_cancels_the_plan(resolved):
    _sweep(REMIND_AT)
    with time_machine.travel(REMIND_AT + timedelta(hours=2), tick=False):
        reply = ticket_client_reply(
            ticket=resolved, by=None, body="Le toner fuit encore", via=Channel.EMAIL
        )
    assert reply.outcome == ReplyOutcome.REOPENED
    result = _sweep(CLOSE_AT + timedelta(days=30))
    assert (result.reminded, result.closed) == (0, 0)
    resolved.refresh_from_db()
    assert resolved.state == State.IN_PROGRESS


def test_a_new_resolution_starts_a_new_plan_with_its_own_reminder(resolved, tech):
    _sweep(REMIND_AT)
    with time_machine.travel(REMIND_AT + timedelta(hours=2), tick=False):
        ticket_client_reply(ticket=resolved, by=None, body="Encore", via=Channel.EMAIL)
    resolved_again = datetime(2027, 1, 4, 9, 0, tzinfo=PARIS)  # Monday
    with time_machine.travel(resolved_again, tick=False):
        services.ticket_resolve(ticket=resolved, by=tech.user, note="Bac changé.")
    # 7 business days later: Wednesday 13 January, 09:00; 10: Monday 18, 09:00.
    assert _sweep(datetime(2027, 1, 13, 8, 59, tzinfo=PARIS)).reminded == 0
    assert _sweep(datetime(2027, 1, 13, 9, 0, tzinfo=PARIS)).reminded == 1
    assert len(_reminders(resolved)) == 2
    assert _sweep(datetime(2027, 1, 18, 8, 59, tzinfo=PARIS)).closed == 0
    _sweep(datetime(2027, 1, 18, 9, 0, tzinfo=PARIS))
    resolved.refresh_from_db()
    assert resolved.state == State.CLOSED and resolved.closure_synthesis == "Bac changé."


def test_a_late_reminder_still_leaves_the_announced_interval_before_closing(resolved):
    late = CLOSE_AT + timedelta(days=6)  # Wednesday 6 January: the sweeper was stopped
    result = _sweep(late)
    assert (result.reminded, result.closed) == (1, 0)
    # Three business days after the reminder: Monday 11 January, 10:00.
    announced = datetime(2027, 1, 11, 10, 0, tzinfo=PARIS)
    assert "11/01/2027 à 10:00" in _reminders(resolved)[0].body
    assert planned_closure(resolved) == announced
    assert _sweep(announced - MINUTE).closed == 0
    assert _sweep(announced).closed == 1


def test_zero_disables_the_automatic_closure_and_its_reminder(resolved, settings):
    settings.TICKETS_AUTO_CLOSE_BUSINESS_DAYS = 0
    result = _sweep(CLOSE_AT + timedelta(days=60))
    assert (result.reminded, result.closed) == (0, 0)
    resolved.refresh_from_db()
    assert resolved.state == State.RESOLVED and _reminders(resolved) == []


def test_zero_reminder_days_closes_without_a_reminder(resolved, settings):
    settings.TICKETS_CLOSURE_REMINDER_BUSINESS_DAYS = 0
    assert _sweep(REMIND_AT).reminded == 0
    assert _sweep(CLOSE_AT).closed == 1
    assert _reminders(resolved) == []


def test_the_delays_are_settings(resolved, settings):
    settings.TICKETS_CLOSURE_REMINDER_BUSINESS_DAYS = 1
    settings.TICKETS_AUTO_CLOSE_BUSINESS_DAYS = 2
    assert _sweep(datetime(2026, 12, 17, 10, 0, tzinfo=PARIS)).reminded == 1
    assert _sweep(datetime(2026, 12, 18, 10, 0, tzinfo=PARIS)).closed == 1


def test_tickets_in_other_states_are_left_alone(tech):
    with time_machine.travel(RESOLVED_AT, tick=False):
        ticket = make_ticket(client=ContractFactory().client)
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    result = _sweep(CLOSE_AT + timedelta(days=30))
    assert (result.reminded, result.closed) == (0, 0)
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS


def test_beat_runs_the_sweep_every_quarter_of_an_hour(settings):
    from oceanis.celery import app

    [entry] = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "tickets.tasks.close_resolved_tickets"
    ]
    assert entry["task"] in app.tasks
    assert entry["schedule"].minute == {0, 15, 30, 45}
