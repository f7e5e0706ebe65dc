"""Creation, taking in charge and closure mails to the client's people, through the outbox."""

from __future__ import annotations

import re

import pytest

from notifications.models import KnownMessageId, Notification
from tests.factories import UserFactory, make_ticket
from tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks (event_committed → outbox → mail) at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _close(ticket, user, synthesis="Pilote réinstallé, impression rétablie."):
    services.ticket_resolve(ticket=ticket, by=user, note="Corrigé")
    return services.ticket_close(ticket=ticket, by=user, synthesis=synthesis)


def test_creation_mail_reaches_the_contact_and_every_declared_address_once(
    contact, mailoutbox, committed
):
    with committed():
        make_ticket(client=contact.client, contact=contact, title="Imprimante bloquée")
    assert sorted(m.to[0] for m in mailoutbox) == [
        "direction@acme.test",
        "dsi@acme.test",
        "marie.dupont@acme.test",
    ]
    assert Notification.objects.filter(status="sent").count() == 3


def test_each_mail_carries_the_reference_and_thread_headers(contact, mailoutbox, committed):
    with committed():
        ticket = make_ticket(client=contact.client, contact=contact, title="Imprimante bloquée")
    mail = next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"])
    assert mail.subject == f"[{ticket.reference}] Demande enregistrée : Imprimante bloquée"
    assert "In-Reply-To" not in mail.extra_headers  # the first mail is the thread root
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"
    message_id = mail.extra_headers["Message-ID"]
    assert re.fullmatch(rf"<{ticket.reference}\.[0-9a-f]{{32}}@oceanis\.service-desk>", message_id)
    assert len({m.extra_headers["Message-ID"] for m in mailoutbox}) == len(mailoutbox)
    known = KnownMessageId.objects.get(message_id=message_id)
    assert (known.ticket, known.direction, known.audience) == (ticket, "out", "client")
    html = mail.alternatives[0]
    assert html.mimetype == "text/html"
    assert "Imprimante bloquée" in html.content and "Peu bloquant" in html.content
    assert "Nous avons bien reçu votre demande" in mail.body


def test_english_contacts_get_english_mails_and_the_rest_french(
    english_contact, mailoutbox, committed
):
    with committed():
        ticket = make_ticket(
            client=english_contact.client, contact=english_contact, title="Printer jammed"
        )
    english = next(m for m in mailoutbox if m.to == ["john.smith@acme.test"])
    french = next(m for m in mailoutbox if m.to == ["dsi@acme.test"])
    assert english.subject == f"[{ticket.reference}] Request registered: Printer jammed"
    assert "We have received your request" in english.body
    assert "Slightly blocking" in english.alternatives[0].content
    assert "Demande enregistrée" in french.subject


def test_extra_recipients_known_as_english_contacts_get_english(
    contract_with_recipients, english_contact, mailoutbox, committed
):
    client = contract_with_recipients.client
    client.notification_recipients = "JOHN.SMITH@acme.test"
    client.save()
    with committed():
        make_ticket(client=client, title="VPN")
    assert [m.to for m in mailoutbox if "Request registered" in m.subject] == [
        ["john.smith@acme.test"]
    ]


def test_the_author_of_an_action_gets_no_copy_of_it(contact, tech, mailoutbox, committed):
    contact.user = UserFactory(username="marie", email="MARIE.DUPONT@acme.test")
    contact.save()
    with committed():
        ticket = make_ticket(client=contact.client, contact=contact, by=contact.user)
    # …but a client opening a request gets its confirmation (test_emails_confirmation.py).
    assert [m.to[0] for m in mailoutbox].count("marie.dupont@acme.test") == 1
    mailoutbox.clear()
    tech.user.email = "dsi@acme.test"  # a technician who is also a declared recipient
    tech.user.save()
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    assert "marie.dupont@acme.test" in [m.to[0] for m in mailoutbox]
    assert "dsi@acme.test" not in [m.to[0] for m in mailoutbox]


def test_taking_in_charge_names_the_technician(contact, tech, mailoutbox, committed):
    ticket = make_ticket(client=contact.client, contact=contact)
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    mail = next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"])
    assert mail.subject.endswith("Demande prise en charge : Imprimante bloquée")
    assert "Julien Martin" in mail.body


def test_closure_mail_includes_the_synthesis_and_never_internal_notes(
    contact, tech, mailoutbox, committed
):
    ticket = make_ticket(client=contact.client, contact=contact)
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    with committed():
        services.ticket_add_entry(
            ticket=ticket, by=tech.user, body="Client pénible, facturer le trajet", public=False
        )
        services.ticket_add_entry(ticket=ticket, by=tech.user, body="Bourrage retiré", public=True)
        services.ticket_set_pending(ticket=ticket, by=tech.user, reason="Attente toner")
        services.ticket_resume(ticket=ticket, by=tech.user)
    assert mailoutbox == []  # reports and state changes go to the 17:00 digest only
    with committed():
        _close(ticket, tech.user)
    mail = next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"])
    assert mail.subject.endswith("Demande clôturée : Imprimante bloquée")
    assert "Commentaire de synthèse" in mail.body
    assert "Pilote réinstallé, impression rétablie." in mail.body
    for message in mailoutbox:
        assert "facturer" not in message.body
        assert "facturer" not in message.alternatives[0].content


def test_a_ticket_without_anyone_to_tell_sends_nothing(client_org, mailoutbox, committed):
    with committed():
        make_ticket(client=client_org)
    assert mailoutbox == []
    assert Notification.objects.count() == 0


def test_html_body_escapes_what_people_typed(contact, mailoutbox, committed):
    with committed():
        make_ticket(
            client=contact.client,
            contact=contact,
            title="<script>alert(1)</script>",
            description="<img src=x onerror=alert(1)>",
        )
    html = mailoutbox[0].alternatives[0].content
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
