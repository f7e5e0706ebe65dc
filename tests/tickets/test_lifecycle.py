"""The ticket state machine: every allowed and every forbidden transition, through the services."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.factories import TechnicianFactory, make_ticket
from tickets import services
from tickets.models import EventKind, PendingOn, State, TicketEvent

PARIS = ZoneInfo("Europe/Paris")

# action name -> callable(ticket, user, technician)
ACTIONS = {
    "assign": lambda t, u, tech: services.ticket_assign(ticket=t, technician=tech, by=u),
    "take_in_charge": lambda t, u, tech: services.ticket_take_in_charge(ticket=t, by=u),
    "put_pending": lambda t, u, tech: services.ticket_set_pending(
        ticket=t, by=u, reason="Attente retour client"
    ),
    "resume": lambda t, u, tech: services.ticket_resume(ticket=t, by=u),
    "resolve": lambda t, u, tech: services.ticket_resolve(ticket=t, by=u, note="Corrigé"),
    "close": lambda t, u, tech: services.ticket_close(
        ticket=t, by=u, synthesis="Pilote réinstallé"
    ),
    "reopen": lambda t, u, tech: services.ticket_reopen(ticket=t, by=u, reason="Toujours en panne"),
    "cancel": lambda t, u, tech: services.ticket_cancel(ticket=t, by=u, reason="Doublon"),
}

ALLOWED = {
    State.NEW: {
        "assign": State.ASSIGNED,
        "take_in_charge": State.IN_PROGRESS,
        "cancel": State.CANCELLED,
    },
    State.ASSIGNED: {
        "assign": State.ASSIGNED,
        "take_in_charge": State.IN_PROGRESS,
        "cancel": State.CANCELLED,
    },
    State.IN_PROGRESS: {
        "assign": State.IN_PROGRESS,
        "put_pending": State.PENDING,
        "resolve": State.RESOLVED,
    },
    State.PENDING: {
        "assign": State.PENDING,
        "resume": State.IN_PROGRESS,
        "resolve": State.RESOLVED,
    },
    State.RESOLVED: {"close": State.CLOSED, "reopen": State.IN_PROGRESS},
    State.CLOSED: {},
    State.CANCELLED: {},
}

PATH_TO = {
    State.NEW: [],
    State.ASSIGNED: ["assign"],
    State.IN_PROGRESS: ["assign", "take_in_charge"],
    State.PENDING: ["assign", "take_in_charge", "put_pending"],
    State.RESOLVED: ["assign", "take_in_charge", "resolve"],
    State.CLOSED: ["assign", "take_in_charge", "resolve", "close"],
    State.CANCELLED: ["cancel"],
}


def ticket_in(state, user, tech, **kwargs):
    ticket = make_ticket(**kwargs)
    for action in PATH_TO[state]:
        ACTIONS[action](ticket, user, tech)
    assert ticket.state == state
    return ticket


CASES = [(state, action, ALLOWED[state].get(action)) for state in ALLOWED for action in ACTIONS]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "action", "target"), CASES, ids=[f"{s}-{a}" for s, a, _ in CASES]
)
def test_each_transition_is_allowed_or_refused_as_the_lifecycle_says(state, action, target):
    tech = TechnicianFactory()
    user = tech.user
    ticket = ticket_in(state, user, tech)
    events_before = TicketEvent.objects.filter(ticket=ticket).count()
    if target is None:
        with pytest.raises(services.TicketTransitionError) as excinfo:
            ACTIONS[action](ticket, user, tech)
        ticket.refresh_from_db()
        assert ticket.state == state
        assert TicketEvent.objects.filter(ticket=ticket).count() == events_before
        assert ticket.reference in str(excinfo.value)
    else:
        ACTIONS[action](ticket, user, tech)
        ticket.refresh_from_db()
        assert ticket.state == target
        last = TicketEvent.objects.filter(ticket=ticket).latest("at", "pk")
        assert (last.from_state, last.to_state, last.actor) == (state, target, user)


@pytest.mark.django_db
def test_every_transition_is_logged_with_actor_states_and_instant(technician):
    user = technician.user
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS), tick=False):
        ticket = make_ticket(by=user)
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, 20, tzinfo=PARIS), tick=False):
        services.ticket_take_in_charge(ticket=ticket, by=user)
    events = list(ticket.events.order_by("at", "pk"))
    assert [e.kind for e in events] == [EventKind.CREATED, EventKind.TRANSITION]
    assert (events[1].from_state, events[1].to_state) == (State.NEW, State.IN_PROGRESS)
    assert events[1].actor == user
    assert events[1].at == dt.datetime(2026, 11, 23, 9, 20, tzinfo=PARIS)


@pytest.mark.django_db
def test_first_take_in_charge_instant_is_kept_when_work_resumes_or_reopens(technician):
    user = technician.user
    ticket = make_ticket()
    first = dt.datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)
    with time_machine.travel(first, tick=False):
        services.ticket_take_in_charge(ticket=ticket, by=user)
    with time_machine.travel(first + dt.timedelta(hours=1), tick=False):
        services.ticket_set_pending(
            ticket=ticket, by=user, reason="Attente pièce", on="third_party"
        )
        services.ticket_resume(ticket=ticket, by=user)
        services.ticket_resolve(ticket=ticket, by=user, note="Corrigé.")
        services.ticket_reopen(ticket=ticket, by=user, reason="Rechute")
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS
    assert ticket.taken_in_charge_at == first
    assert ticket.resolved_at is None


@pytest.mark.django_db
def test_taking_in_charge_makes_the_technician_the_assignee(technician):
    ticket = make_ticket()
    services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    assert ticket.assignee == technician


@pytest.mark.django_db
def test_closing_without_a_synthesis_is_refused_and_changes_nothing(technician):
    user = technician.user
    ticket = ticket_in(State.RESOLVED, user, technician)
    count = ticket.events.count()
    for synthesis in ("", "   "):
        with pytest.raises(ValidationError) as excinfo:
            services.ticket_close(ticket=ticket, by=user, synthesis=synthesis)
        assert "synthesis" in excinfo.value.message_dict
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED
    assert ticket.closed_at is None
    assert ticket.events.count() == count


@pytest.mark.django_db
def test_closing_requalifies_the_ticket_and_logs_the_changes(technician):
    user = technician.user
    ticket = ticket_in(State.RESOLVED, user, technician, urgency="slightly_blocking")
    services.ticket_close(
        ticket=ticket,
        by=user,
        synthesis="Remplacement du toner",
        qualification={"urgency": "non_blocking", "technical_domain": "workstation"},
    )
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert ticket.closure_synthesis == "Remplacement du toner"
    assert (ticket.urgency, ticket.technical_domain) == ("non_blocking", "workstation")
    requal = ticket.events.get(kind=EventKind.QUALIFICATION)
    assert requal.payload["changes"]["urgency"] == ["slightly_blocking", "non_blocking"]


@pytest.mark.django_db
def test_closing_refuses_an_invalid_requalification(technician):
    user = technician.user
    ticket = ticket_in(State.RESOLVED, user, technician)
    with pytest.raises(ValidationError):
        services.ticket_close(
            ticket=ticket, by=user, synthesis="ok", qualification={"urgency": "apocalyptic"}
        )
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED


@pytest.mark.django_db
def test_pending_requires_a_reason(technician):
    user = technician.user
    ticket = ticket_in(State.IN_PROGRESS, user, technician)
    with pytest.raises(ValidationError):
        services.ticket_set_pending(ticket=ticket, by=user, reason=" ")
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS


@pytest.mark.django_db
def test_pending_records_whom_the_ticket_waits_on(technician):
    user = technician.user
    ticket = ticket_in(State.IN_PROGRESS, user, technician)
    services.ticket_set_pending(
        ticket=ticket, by=user, reason="Attente GSM", on=PendingOn.THIRD_PARTY
    )
    assert (ticket.pending_on, ticket.pending_reason) == ("third_party", "Attente GSM")
    services.ticket_resume(ticket=ticket, by=user)
    assert (ticket.pending_on, ticket.pending_reason) == ("", "")


@pytest.mark.django_db
def test_escalation_goes_up_one_level_at_a_time_and_keeps_the_owner(technician):
    user = technician.user
    ticket = ticket_in(State.IN_PROGRESS, user, technician)
    services.ticket_escalate(ticket=ticket, by=user, reason="Besoin ingénierie RUN")
    assert ticket.escalation_level == 2
    services.ticket_escalate(ticket=ticket, by=user, reason="Expertise BUILD")
    assert ticket.escalation_level == 3
    assert ticket.assignee == technician
    with pytest.raises(services.TicketTransitionError):
        services.ticket_escalate(ticket=ticket, by=user, reason="encore")
    assert list(ticket.events.filter(kind=EventKind.ESCALATION).values_list("body", flat=True)) == [
        "Besoin ingénierie RUN",
        "Expertise BUILD",
    ]


@pytest.mark.django_db
def test_public_report_and_internal_note_carry_time_spent(technician):
    user = technician.user
    ticket = ticket_in(State.IN_PROGRESS, user, technician)
    report = services.ticket_add_entry(
        ticket=ticket, by=user, body="Redémarrage du service", public=True, minutes_spent=15
    )
    note = services.ticket_add_entry(
        ticket=ticket, by=user, body="Client difficile", public=False, minutes_spent=5
    )
    assert (report.kind, report.public, report.minutes_spent) == (EventKind.REPORT, True, 15)
    assert (note.kind, note.public, note.minutes_spent) == (EventKind.NOTE, False, 5)


@pytest.mark.django_db
def test_empty_entries_and_negative_time_are_refused(technician):
    ticket = make_ticket()
    with pytest.raises(ValidationError):
        services.ticket_add_entry(ticket=ticket, by=technician.user, body="  ", public=True)
    with pytest.raises(ValidationError):
        services.ticket_add_entry(
            ticket=ticket, by=technician.user, body="x", public=True, minutes_spent=-3
        )


@pytest.mark.django_db
def test_ticket_events_are_append_only(technician):
    ticket = make_ticket()
    event = ticket.events.get()
    event.body = "rewritten"
    with pytest.raises(Exception, match="append-only"):
        event.save()
    with pytest.raises(Exception, match="append-only"):
        event.delete()


@pytest.mark.django_db
def test_state_cannot_be_set_directly(technician):
    ticket = make_ticket()
    with pytest.raises(AttributeError):
        ticket.state = State.CLOSED


@pytest.mark.django_db
def test_the_resolver_can_change_at_the_same_level_and_the_owner_stays(technician):
    user = technician.user
    ticket = ticket_in(State.IN_PROGRESS, user, technician)
    first, second = TechnicianFactory(), TechnicianFactory()
    services.ticket_escalate(ticket=ticket, by=user, reason="RUN", resolver=first)
    services.ticket_set_resolver(ticket=ticket, by=user, resolver=second, reason="Relais")
    assert (ticket.resolver, ticket.assignee, ticket.escalation_level) == (second, technician, 2)
    last = ticket.events.filter(kind=EventKind.ESCALATION).latest("pk")
    assert last.payload["previous_resolver"] == first.pk
    with pytest.raises(ValidationError):
        services.ticket_set_resolver(ticket=ticket, by=user, resolver=first, reason=" ")
