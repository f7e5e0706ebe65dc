"""One rule for every client reply: resume, reopen, or a follow-up ticket; never a silent entry
on a finished ticket."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla.policy import Urgency
from tests.factories import (
    ContactFactory,
    ContractFactory,
    TechnicianFactory,
    UserFactory,
    make_ticket,
)
from tickets import services
from tickets.models import Channel, EventKind, PendingOn, State, Ticket
from tickets.services import ReplyOutcome, TicketTransitionError, ticket_client_reply

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
RESOLVED_AT = datetime(2026, 12, 16, 10, 0, tzinfo=PARIS)  # Wednesday
# 10 business days later: Christmas (Friday 25) does not count.
REOPEN_DEADLINE = datetime(2026, 12, 31, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="julien")


@pytest.fixture
def contact(db):
    client = ContractFactory(client__code="acme").client
    return ContactFactory(client=client, email="m@acme.test", user=UserFactory(username="m"))


def _in_progress(contact, tech, **kwargs):
    ticket = make_ticket(client=contact.client, contact=contact, **kwargs)
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    return ticket


def _resolved(contact, tech, **kwargs):
    with time_machine.travel(RESOLVED_AT, tick=False):
        ticket = _in_progress(contact, tech, **kwargs)
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Toner remplacé.")
    return ticket


def _closed(contact, tech, **kwargs):
    ticket = _resolved(contact, tech, **kwargs)
    with time_machine.travel(RESOLVED_AT.replace(hour=11), tick=False):
        services.ticket_close(ticket=ticket, by=tech.user, synthesis="Toner remplacé.")
    return ticket


def _reply(ticket, contact, body="Toujours en panne", **kwargs):
    return ticket_client_reply(
        ticket=ticket, by=contact.user, body=body, via=Channel.EXTRANET, contact=contact, **kwargs
    )


def test_a_reply_while_pending_on_the_client_resumes_the_ticket_with_a_logged_note(contact, tech):
    ticket = _in_progress(contact, tech)
    services.ticket_set_pending(ticket=ticket, by=tech.user, reason="Quel modèle ?")
    reply = _reply(ticket, contact, body="Modèle HP 4250")
    assert reply.outcome == ReplyOutcome.RESUMED and reply.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS and ticket.pending_on == ""
    entry, resume = ticket.events.order_by("-pk")[1], ticket.events.latest("pk")
    assert entry == reply.event and entry.body == "Modèle HP 4250" and entry.public
    assert resume.from_state == State.PENDING and resume.to_state == State.IN_PROGRESS
    assert "client a répondu" in resume.body


def test_a_reply_while_pending_on_a_third_party_leaves_the_ticket_pending(contact, tech):
    ticket = _in_progress(contact, tech)
    services.ticket_set_pending(
        ticket=ticket, by=tech.user, reason="Pièce commandée", on=PendingOn.THIRD_PARTY
    )
    reply = _reply(ticket, contact, body="Des nouvelles ?")
    assert reply.outcome == ReplyOutcome.ADDED
    ticket.refresh_from_db()
    assert ticket.state == State.PENDING and ticket.pending_on == PendingOn.THIRD_PARTY
    assert ticket.events.latest("pk") == reply.event


def test_a_reply_within_the_delay_reopens_a_resolved_ticket(contact, tech):
    ticket = _resolved(contact, tech)
    with time_machine.travel(REOPEN_DEADLINE, tick=False):
        reply = _reply(ticket, contact)
    assert reply.outcome == ReplyOutcome.REOPENED and reply.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS and ticket.resolved_at is None
    assert ticket.events.get(to_state=State.IN_PROGRESS, from_state=State.RESOLVED).actor == (
        contact.user
    )
    assert not Ticket.objects.filter(follow_up_of=ticket).exists()


def test_a_reply_after_the_delay_opens_a_follow_up_and_leaves_the_resolved_ticket(contact, tech):
    ticket = _resolved(contact, tech)
    with time_machine.travel(REOPEN_DEADLINE.replace(minute=1), tick=False):
        reply = _reply(ticket, contact)
    assert reply.outcome == ReplyOutcome.FOLLOW_UP and reply.ticket.follow_up_of == ticket
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED
    note = ticket.events.latest("pk")
    assert note.kind == EventKind.NOTE and not note.public and note.actor is None
    assert reply.ticket.reference in note.body


def test_the_reopening_delay_is_a_setting(contact, tech, settings):
    settings.TICKETS_REOPEN_WITHIN_BUSINESS_DAYS = 2
    ticket = _resolved(contact, tech)
    # Thursday 17, Friday 18: the delay ends on Friday at 10:00.
    with time_machine.travel(datetime(2026, 12, 18, 10, 30, tzinfo=PARIS), tick=False):
        assert _reply(ticket, contact).outcome == ReplyOutcome.FOLLOW_UP


def test_a_reply_to_a_closed_ticket_opens_a_linked_follow_up(contact, tech):
    other = ContactFactory(client=contact.client, email="j@acme.test")
    ticket = _closed(contact, tech, urgency=Urgency.CRITICAL, title="Serveur mail HS")
    at = datetime(2027, 1, 6, 9, 0, tzinfo=PARIS)
    with time_machine.travel(at, tick=False):
        reply = ticket_client_reply(
            ticket=ticket,
            by=None,
            body="Le problème est revenu",
            via=Channel.EMAIL,
            contact=other,
            files=[("trace.log", b"550 denied")],
        )
    new = reply.ticket
    assert reply.outcome == ReplyOutcome.FOLLOW_UP and new.pk != ticket.pk
    assert (
        new.follow_up_of == ticket and new.title == f"Suite de {ticket.reference} : Serveur mail HS"
    )
    assert (new.client, new.contact, new.site, new.contract) == (
        ticket.client,
        other,
        ticket.site,
        ticket.contract,
    )
    assert new.channel == Channel.EMAIL and new.description == "Le problème est revenu"
    assert new.state == State.NEW and new.created_at == at
    # A "thank you" must not start a one-hour GTI: the desk requalifies if needed.
    assert new.urgency == Urgency.SLIGHTLY_BLOCKING
    created = new.events.get(kind=EventKind.CREATED)
    assert reply.event == created
    assert created.payload["follow_up_of"] == ticket.reference
    assert [a.original_name for a in created.attachments.all()] == ["trace.log"]
    assert not ticket.attachments.exists()
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    note = ticket.events.latest("pk")
    assert note.kind == EventKind.NOTE and not note.public and note.actor is None
    assert note.body == f"Réponse reçue après clôture : suite dans {new.reference}."
    assert note.payload["follow_up"] == new.reference
    # Nothing the client said was written on the closed ticket.
    assert not ticket.events.filter(body__contains="revenu").exists()


def test_a_follow_up_of_a_non_blocking_ticket_stays_non_blocking(contact, tech):
    ticket = _closed(contact, tech, urgency=Urgency.NON_BLOCKING)
    assert _reply(ticket, contact).ticket.urgency == Urgency.NON_BLOCKING


def test_a_reply_to_a_cancelled_ticket_is_refused_and_writes_nothing(contact, tech):
    ticket = make_ticket(client=contact.client, contact=contact)
    services.ticket_cancel(ticket=ticket, by=tech.user, reason="Doublon")
    events = ticket.events.count()
    with pytest.raises(TicketTransitionError, match="annulée"):
        _reply(ticket, contact)
    assert ticket.events.count() == events and Ticket.objects.count() == 1


def test_an_empty_reply_is_refused(contact, tech):
    ticket = _in_progress(contact, tech)
    with pytest.raises(ValidationError):
        _reply(ticket, contact, body="   ")


def test_linking_a_follow_up_adds_no_statement_to_ticket_creation(contact):
    original = make_ticket(client=contact.client, contact=contact)
    kwargs = {"client": contact.client, "title": "x", "urgency": "non_blocking", "channel": "phone"}
    with CaptureQueriesContext(connection) as plain:
        services.ticket_create(**kwargs)
    with CaptureQueriesContext(connection) as linked:
        services.ticket_create(**kwargs, follow_up_of=original)
    assert len(linked.captured_queries) == len(plain.captured_queries)


def test_a_second_reply_to_the_closed_ticket_joins_its_open_follow_up(contact, tech):
    ticket = _closed(contact, tech)
    first = _reply(ticket, contact, body="Ça recommence")
    second = _reply(ticket, contact, body="Et aussi sur le 2e poste")
    assert second.outcome == ReplyOutcome.ADDED and second.ticket == first.ticket
    assert Ticket.objects.filter(follow_up_of=ticket).count() == 1
    assert second.event.ticket == first.ticket and second.event.body == "Et aussi sur le 2e poste"
