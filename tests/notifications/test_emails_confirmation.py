"""The creation mail is the requester's confirmation: a contact who opens a request on the
extranet gets it (the page promises it) although they are the author; every other action of a
client, and any action of staff, still sends no copy to its author. A follow-up request says which
finished request it continues."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import formats, timezone

from notifications.inbound.service import inbound_receive
from tests.factories import UserFactory, make_ticket
from tickets import services
from tickets.models import Ticket

PARIS = ZoneInfo("Europe/Paris")
MARIE = "marie.dupont@acme.test"
DECLARED = ["direction@acme.test", "dsi@acme.test"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def marie(contact, client):
    """The contact logged in to the extranet (her account's address differs only by case)."""
    contact.user = UserFactory(username="marie", email="Marie.Dupont@ACME.test")
    contact.save()
    client.force_login(contact.user)
    return contact


def test_the_extranet_requester_gets_exactly_one_confirmation(marie, client, mailoutbox, committed):
    with time_machine.travel(dt.datetime(2026, 10, 20, 10, tzinfo=PARIS), tick=False):
        with committed():
            response = client.post(
                reverse("extranet:request_new"),
                {"title": "VPN coupé", "description": "Plus d'accès.", "urgency": "very_blocking"},
            )
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
    ticket = Ticket.objects.get(title="VPN coupé")
    assert ticket.created_by == marie.user
    assert "Un e-mail de confirmation suit" in page
    mine = [m for m in mailoutbox if m.to == [MARIE]]
    assert len(mine) == 1
    mail = mine[0]
    assert mail.subject == f"[{ticket.reference}] Demande enregistrée : VPN coupé"
    deadline = formats.date_format(timezone.localtime(ticket.gti_deadline), "DATETIME_FORMAT")
    assert deadline == "20 octobre 2026 à 15:30"  # 4 business hours from 10:00, lunch closed
    assert f"Intervention garantie avant le : {deadline}" in mail.body
    assert f"Référence : {ticket.reference}" in mail.body
    assert deadline in mail.alternatives[0].content
    assert sorted(m.to[0] for m in mailoutbox) == sorted([MARIE, *DECLARED])


def test_a_client_confirming_a_resolution_gets_no_copy_of_the_closure(
    marie, tech, client, mailoutbox, committed
):
    ticket = make_ticket(client=marie.client, contact=marie)
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    services.ticket_resolve(ticket=ticket, by=tech.user, note="Certificat renouvelé")
    with committed():
        response = client.post(reverse("extranet:request_confirm", args=[ticket.pk]))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "closed"
    closure = [m for m in mailoutbox if "Demande clôturée" in m.subject]
    assert sorted(m.to[0] for m in closure) == DECLARED


def test_staff_opening_a_request_get_no_copy_of_its_creation_mail(
    contact, tech, mailoutbox, committed
):
    tech.user.email = "DSI@acme.test"  # a technician who is also a declared recipient
    tech.user.save()
    with committed():
        make_ticket(client=contact.client, contact=contact, by=tech.user)
    assert sorted(m.to[0] for m in mailoutbox) == ["direction@acme.test", MARIE]


def _finished(contact, tech, *, close: bool):
    old = make_ticket(client=contact.client, contact=contact, title="Imprimante bloquée")
    services.ticket_take_in_charge(ticket=old, by=tech.user)
    services.ticket_resolve(ticket=old, by=tech.user, note="Pilote réinstallé")
    if close:
        services.ticket_close(ticket=old, by=tech.user, synthesis="Pilote réinstallé")
    return old


def test_a_follow_up_request_names_the_closed_one_and_gives_the_new_reference(
    contact, tech, mailoutbox, committed
):
    old = _finished(contact, tech, close=True)
    with committed():
        new = services.ticket_create(
            client=contact.client,
            contact=contact,
            title=f"Suite de {old.reference} : Imprimante bloquée",
            urgency="slightly_blocking",
            channel="email",
            description="Le problème est revenu.",
            follow_up_of=old,
        )
    mail = next(m for m in mailoutbox if m.to == [MARIE])
    assert mail.subject.startswith(f"[{new.reference}] Demande enregistrée")
    sentence = (
        f"Suite de votre demande {old.reference} (clôturée) : "
        f"votre nouvelle demande porte la référence {new.reference}."
    )
    assert sentence in mail.body
    assert sentence in mail.alternatives[0].content


def test_a_request_without_predecessor_says_nothing_of_a_follow_up(contact, mailoutbox, committed):
    with committed():
        make_ticket(client=contact.client, contact=contact)
    assert mailoutbox and all("Suite de votre demande" not in m.body for m in mailoutbox)


def test_a_comment_on_a_closed_request_brings_the_new_reference_to_the_contact(
    marie, tech, client, mailoutbox, committed
):
    old = _finished(marie, tech, close=True)
    with committed():
        response = client.post(
            reverse("extranet:request_comment", args=[old.pk]), {"body": "Ça recommence."}
        )
    assert response.status_code == 302
    new = Ticket.objects.get(follow_up_of=old)
    mine = [m for m in mailoutbox if m.to == [MARIE]]
    assert len(mine) == 1  # the contact wrote it, and still gets the confirmation
    assert f"Suite de votre demande {old.reference} (clôturée)" in mine[0].body
    assert new.reference in mine[0].subject


def test_a_mail_reply_to_a_closed_request_brings_the_new_reference_to_the_sender(
    acme, tech, mailoutbox, committed
):
    old = make_ticket(client=acme, contact=acme.marie, title="Imprimante bloquée")
    services.ticket_take_in_charge(ticket=old, by=tech.user)
    with committed():
        services.ticket_resolve(ticket=old, by=tech.user, note="Pilote réinstallé")
        services.ticket_close(ticket=old, by=tech.user, synthesis="Pilote réinstallé")
    closure = next(m for m in mailoutbox if m.to == [acme.marie.email])
    mailoutbox.clear()
    raw = (
        f"From: Marie Dupont <{acme.marie.email}>\r\n"
        "To: support@oceanis.fr\r\n"
        f"Subject: RE: {closure.subject}\r\n"
        "Message-ID: <apres-cloture@acme-industrie.fr>\r\n"
        f"In-Reply-To: {closure.extra_headers['Message-ID']}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "L'imprimante bloque de nouveau.\r\n"
    ).encode()
    with committed():
        message, _created = inbound_receive(raw, "http")
    new = Ticket.objects.get(follow_up_of=old)
    assert message.ticket == new
    mine = [m for m in mailoutbox if m.to == [acme.marie.email]]
    assert len(mine) == 1
    assert mine[0].subject.startswith(f"[{new.reference}] Demande enregistrée")
    assert (
        f"Suite de votre demande {old.reference} (clôturée) : "
        f"votre nouvelle demande porte la référence {new.reference}."
    ) in mine[0].body
