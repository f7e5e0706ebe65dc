"""A reply found by its thread headers (In-Reply-To/References) is checked like one found by its
subject token: only people of the ticket's client, its declared addresses, or staff add to it;
anyone else goes to triage, never onto the ticket."""

from __future__ import annotations

import pytest

from notifications.inbound.service import inbound_receive
from tickets.models import EventKind, Ticket

from .corpus import CLIENT_THREAD_ID, REFERENCE

pytestmark = pytest.mark.django_db


def _thread_reply(sender: str, number: int) -> bytes:
    return (
        f"From: {sender}\r\n"
        "To: support@oceanis.fr\r\n"
        "Subject: Re: Imprimante bloquée\r\n"  # no token: the headers alone find the ticket
        f"Message-ID: <thread-reply-{number}@example.org>\r\n"
        f"In-Reply-To: {CLIENT_THREAD_ID}\r\n"
        f"References: {CLIENT_THREAD_ID}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Voici ma réponse sur ce fil.\r\n"
    ).encode()


@pytest.mark.parametrize(
    "sender",
    ["Eve <eve@autre-client.fr>", "Inconnu <quelquun@gmail.com>"],
    ids=["another-clients-contact", "stranger"],
)
def test_a_thread_reply_from_outside_the_client_goes_to_triage(ticket_123, other_client, sender):
    entries = ticket_123.events.count()
    message, _created = inbound_receive(_thread_reply(sender, 1), "imap")
    assert message.status == "triage"
    assert message.error == (
        f"Réponse au fil de {REFERENCE} par un expéditeur inconnu de ce client."
    )
    assert message.ticket is None and ticket_123.events.count() == entries
    assert Ticket.objects.count() == 1


def test_a_thread_reply_from_a_colleague_of_the_client_is_added(ticket_123):
    message, _created = inbound_receive(
        _thread_reply("Jérôme <jerome.bernard@acme-industrie.fr>", 2), "imap"
    )
    assert message.status == "processed" and message.ticket == ticket_123
    assert message.event.kind == EventKind.EMAIL_IN


def test_a_thread_reply_from_an_address_declared_on_the_client_is_added(ticket_123):
    ticket_123.client.notification_recipients = "dsi@acme-industrie.fr"
    ticket_123.client.save(update_fields=["notification_recipients"])
    message, _created = inbound_receive(_thread_reply("DSI <DSI@acme-industrie.fr>", 3), "imap")
    assert message.status == "processed" and message.ticket == ticket_123


def test_a_thread_reply_from_staff_is_added(ticket_123, julien):
    message, _created = inbound_receive(_thread_reply("Julien <jmartin@oceanis.fr>", 4), "imap")
    assert message.status == "processed" and message.ticket == ticket_123
