"""Inbound and outbound together: acknowledgement, replies threading back, no mail loops,
triage then reprocessing."""

from __future__ import annotations

import pytest

from notifications.inbound.service import inbound_process, inbound_receive
from notifications.models import InboundMessage
from tests.factories import ContactFactory, make_ticket
from tickets import services
from tickets.models import EventKind, Ticket

from .corpus import raw

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _reply_to(message_id: str, subject: str, body: str, headers: str = "") -> bytes:
    return (
        "From: Marie Dupont <marie.dupont@acme-industrie.fr>\r\n"
        "To: support@oceanis.fr\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <reply-{abs(hash(body))}@acme-industrie.fr>\r\n"
        f"In-Reply-To: {message_id}\r\n"
        f"References: {message_id}\r\n"
        f"{headers}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def test_a_mailed_request_is_acknowledged_and_the_reply_threads_back_without_a_loop(
    acme, mailoutbox, committed
):
    with committed():
        message, _ = inbound_receive(raw("05-new-request-plain.eml"), "imap")
    ticket = message.ticket
    ack = [m for m in mailoutbox if m.to == ["marie.dupont@acme-industrie.fr"]]
    assert len(ack) == 1 and f"[{ticket.reference}]" in ack[0].subject
    sent = len(mailoutbox)
    # The subject lost its token (mobile client): the Message-ID alone finds the ticket.
    reply = _reply_to(ack[0].extra_headers["Message-ID"], "Re: poste Julie", "Il redémarre !")
    with committed():
        answer, _ = inbound_receive(reply, "imap")
    assert answer.status == "processed" and answer.ticket == ticket
    assert ticket.events.filter(kind=EventKind.EMAIL_IN, public=True).count() == 1
    assert len(mailoutbox) == sent  # a client's mail never triggers a mail back: no loop


def test_an_auto_reply_to_our_mail_creates_nothing_and_sends_nothing(acme, mailoutbox, committed):
    with committed():
        message, _ = inbound_receive(raw("05-new-request-plain.eml"), "imap")
    ack = next(m for m in mailoutbox if m.to == ["marie.dupont@acme-industrie.fr"])
    sent, events = len(mailoutbox), message.ticket.events.count()
    auto = _reply_to(
        ack.extra_headers["Message-ID"],
        "Absent du bureau",
        "Je suis absente.",
        headers="Auto-Submitted: auto-replied\r\n",
    )
    with committed():
        answer, _ = inbound_receive(auto, "imap")
    assert answer.status == "ignored"
    assert message.ticket.events.count() == events and len(mailoutbox) == sent
    assert Ticket.objects.count() == 1


def test_a_triaged_message_becomes_a_ticket_once_its_sender_is_a_contact(acme):
    message, _ = inbound_receive(raw("14-unknown-sender.eml"), "imap")
    assert message.status == "triage" and Ticket.objects.count() == 0
    ContactFactory(client=acme, email="Paul.Inconnu@gmail.com")
    message = inbound_process(message)
    assert message.status == "processed"
    assert message.ticket.title == "Besoin d'aide pour ma messagerie"
    assert inbound_process(message).status == "processed"  # a second run changes nothing
    assert Ticket.objects.count() == 1


def test_an_address_shared_by_two_clients_contacts_goes_to_triage(acme, other_client):
    ContactFactory(client=other_client, email="marie.dupont@acme-industrie.fr")
    message, _ = inbound_receive(raw("05-new-request-plain.eml"), "imap")
    assert message.status == "triage" and "plusieurs contacts" in message.error


def test_a_reply_to_a_cancelled_ticket_goes_to_triage(ticket_123, tech):
    services.ticket_cancel(ticket=ticket_123, by=tech.user, reason="Doublon")
    message, _ = inbound_receive(raw("01-outlook-fr-reply.eml"), "imap")
    assert message.status == "triage" and "annulée" in message.error


def test_a_processing_error_is_recorded_and_the_message_kept(acme, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("notifications.inbound.service.ticket_create", broken)
    message, _ = inbound_receive(raw("05-new-request-plain.eml"), "imap")
    assert message.status == "failed" and message.error.startswith("RuntimeError: disk full")
    assert Ticket.objects.count() == 0
    monkeypatch.undo()
    assert inbound_process(message).status == "processed"


def test_too_many_mailed_requests_from_one_sender_go_to_triage(acme, monkeypatch):
    monkeypatch.setattr("notifications.inbound.service.MAX_NEW_TICKETS_PER_SENDER_PER_HOUR", 2)
    for index in range(3):
        body = raw("05-new-request-plain.eml").replace(b"<a81c9e0f", f"<n{index}".encode())
        message, _ = inbound_receive(body, "imap")
    assert message.status == "triage" and Ticket.objects.count() == 2
    assert InboundMessage.objects.count() == 3


def test_entries_only_take_entry_kinds(ticket_123, tech):
    with pytest.raises(ValueError, match="Not an entry kind"):
        services.ticket_add_entry(
            ticket=ticket_123, by=tech.user, body="x", public=True, kind=EventKind.TRANSITION
        )
    event = services.ticket_add_entry(ticket=ticket_123, by=None, body="x", public=True)
    assert event.kind == EventKind.REPORT


def test_client_emails_on_a_ticket_are_never_mailed_back(contact, tech, committed, mailoutbox):
    ticket = make_ticket(client=contact.client, contact=contact)
    with committed():
        services.ticket_add_entry(
            ticket=ticket, by=None, body="Mail de client", public=True, kind=EventKind.EMAIL_IN
        )
    assert mailoutbox == []
