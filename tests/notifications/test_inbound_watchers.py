"""People of the same client copied on an inbound mail follow the ticket (watchers); nobody else
does, least of all another client's contacts."""

from __future__ import annotations

import pytest

from notifications.inbound.mime import parse
from notifications.inbound.service import inbound_receive
from notifications.inbound.watchers import inbound_cc_watchers
from tests.factories import ContactFactory
from tickets.models import EventKind, TicketWatcher

pytestmark = pytest.mark.django_db


def _request(*, to: str, cc: str = "", message_id: str = "cc-0001") -> bytes:
    return (
        "From: Marie Dupont <marie.dupont@acme-industrie.fr>\r\n"
        f"To: {to}\r\n" + (f"Cc: {cc}\r\n" if cc else "") + "Subject: Imprimante du 2e étage\r\n"
        f"Message-ID: <{message_id}@acme-industrie.fr>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "L'imprimante du 2e étage ne répond plus.\r\n"
    ).encode()


def _watching(ticket) -> list[str]:
    return sorted(
        TicketWatcher.objects.filter(ticket=ticket).values_list("contact__email", flat=True)
    )


def test_colleagues_in_cc_and_to_become_watchers_of_the_new_ticket(acme, other_client):
    accounting = ContactFactory(client=acme, email="Compta@Acme-Industrie.fr")
    mail = _request(
        to="Oceanis Service Desk <support@oceanis.fr>, "
        "=?utf-8?q?Compta?= <compta@acme-industrie.fr>",
        cc="Jérôme <jerome.bernard@acme-industrie.fr>, eve@autre-client.fr, "
        "inconnu@gmail.com, Marie <marie.dupont@acme-industrie.fr>",
    )
    message, _created = inbound_receive(mail, "imap")
    assert message.status == "processed"
    ticket = message.ticket
    assert _watching(ticket) == [accounting.email, "jerome.bernard@acme-industrie.fr"]
    # The system added them, on the ticket's timeline.
    events = ticket.events.filter(kind=EventKind.WATCHERS)
    assert events.count() == 2 and all(event.actor_id is None for event in events)


def test_another_clients_contact_or_an_inactive_one_never_becomes_a_watcher(acme, other_client):
    ContactFactory(client=acme, email="ancien@acme-industrie.fr", is_active=False)
    mail = _request(to="support@oceanis.fr", cc="eve@autre-client.fr, ancien@acme-industrie.fr")
    message, _created = inbound_receive(mail, "imap")
    assert message.status == "processed" and _watching(message.ticket) == []


def test_our_own_mailbox_and_the_requester_are_not_watchers(acme, settings):
    settings.IMAP_USER = "support@oceanis.fr"
    ContactFactory(client=acme, email="support@oceanis.fr")  # a misfiled contact row
    mail = _request(to="support@oceanis.fr", cc="marie.dupont@acme-industrie.fr")
    message, _created = inbound_receive(mail, "imap")
    assert _watching(message.ticket) == []


def test_copies_on_a_reply_can_follow_the_existing_ticket_once(ticket_123):
    parsed = parse(_request(to="support@oceanis.fr", cc="jerome.bernard@acme-industrie.fr"))
    first = inbound_cc_watchers(ticket=ticket_123, parsed=parsed)
    again = inbound_cc_watchers(ticket=ticket_123, parsed=parsed)
    assert [w.pk for w in first] == [w.pk for w in again] and len(first) == 1
    assert _watching(ticket_123) == ["jerome.bernard@acme-industrie.fr"]
    assert ticket_123.events.filter(kind=EventKind.WATCHERS).count() == 1


def test_a_mail_without_copies_costs_no_query(ticket_123, django_assert_num_queries):
    parsed = parse(_request(to="support@oceanis.fr"))
    with django_assert_num_queries(0):
        assert inbound_cc_watchers(ticket=ticket_123, parsed=parsed) == []


def test_colleagues_copied_on_a_reply_through_the_inbound_path_follow_the_ticket(
    ticket_123, other_client
):
    reply = (
        "From: Marie Dupont <marie.dupont@acme-industrie.fr>\r\n"
        "To: support@oceanis.fr\r\n"
        "Cc: jerome.bernard@acme-industrie.fr, eve@autre-client.fr\r\n"
        f"Subject: RE: [{ticket_123.reference}] Imprimante\r\n"
        "Message-ID: <cc-reply-0001@acme-industrie.fr>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Toujours en panne ce matin.\r\n"
    ).encode()
    message, _created = inbound_receive(reply, "imap")
    assert message.status == "processed" and message.ticket == ticket_123
    assert _watching(ticket_123) == ["jerome.bernard@acme-industrie.fr"]
