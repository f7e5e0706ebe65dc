"""The triage queue: mails set aside ("À trier") become tickets (for a contact created if
needed), join a ticket, are marked spam (sender blocked afterwards) or ignored — each audited
and double-click safe; who may see the queue; its query count; the counter beside the bell."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clients.models import Contact
from notifications.inbound.service import inbound_receive
from notifications.models import BlockedSender, InboundMessage, KnownMessageId, TriageDecision
from notifications.services import TriageConflict, triage_ignore, triage_spam
from tests.factories import ContactFactory, ContractFactory, UserFactory, make_ticket
from tickets.models import Channel, EventKind, Ticket

pytestmark = pytest.mark.django_db

QUEUE = "/triage/"


def mail(sender="Paul Durand <paul.durand@inconnu.test>", n=1, subject="Imprimante HS"):
    return (
        f"From: {sender}\r\n"
        "To: support@oceanis.fr\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <triage-{n}@inconnu.test>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "L'imprimante du 2e étage ne répond plus.\r\n"
    ).encode()


def received(**kwargs) -> InboundMessage:
    message, _created = inbound_receive(mail(**kwargs), InboundMessage.Source.HTTP)
    assert message.status == InboundMessage.Status.TRIAGE, message.error
    return message


@pytest.fixture
def client_org(db):
    return ContractFactory(client__name="Durand SA", client__code="durand").client


@pytest.fixture
def staff(client, tech):
    client.force_login(tech.user)
    return client


def test_an_unknown_senders_mail_becomes_a_ticket_for_a_new_contact_of_the_chosen_client(
    staff, tech, client_org
):
    message = received()
    url = reverse("triage:open_ticket", args=[message.pk])
    form = {"client": client_org.pk, "first_name": "Paul", "last_name": "Durand"}
    assert staff.post(url, form).status_code == 302
    assert staff.post(url, form).status_code == 302  # double click: nothing more
    contact = Contact.objects.get(email="paul.durand@inconnu.test")
    ticket = Ticket.objects.get()
    assert (contact.client, contact.first_name, contact.last_name) == (client_org, "Paul", "Durand")
    assert (ticket.contact, ticket.client, ticket.channel) == (contact, client_org, Channel.EMAIL)
    assert ticket.title == "Imprimante HS"
    message.refresh_from_db()
    assert (message.status, message.ticket) == (InboundMessage.Status.PROCESSED, ticket)
    decision = TriageDecision.objects.get()
    assert (decision.action, decision.by, decision.contact_created) == (
        "new_ticket",
        tech.user,
        True,
    )
    # The reply to this thread now finds its ticket.
    assert KnownMessageId.objects.filter(message_id="<triage-1@inconnu.test>", ticket=ticket)


def test_an_existing_contact_with_the_sender_address_is_reused(staff, client_org):
    known = ContactFactory(client=client_org, email="paul.durand@inconnu.test")
    other = ContactFactory(email="paul.durand@inconnu.test")  # a second client: ambiguous
    message = received()
    staff.post(reverse("triage:open_ticket", args=[message.pk]), {"client": client_org.pk})
    assert Ticket.objects.get().contact == known and other.pk
    assert TriageDecision.objects.get().contact_created is False


def test_a_contact_of_another_client_or_a_missing_name_is_a_form_error(staff, client_org):
    message = received()
    foreign = ContactFactory()
    url = reverse("triage:open_ticket", args=[message.pk])
    response = staff.post(url, {"client": client_org.pk, "contact": foreign.pk})
    assert response.status_code == 400 and "contact actif" in response.content.decode()
    response = staff.post(url, {"client": client_org.pk, "last_name": ""})
    assert response.status_code == 400 and "obligatoire" in response.content.decode()
    response = staff.post(url, {"client": "abc"})
    assert response.status_code == 400
    assert Ticket.objects.count() == 0 and TriageDecision.objects.count() == 0


def test_appending_to_an_existing_ticket(staff, tech, client_org):
    ticket = make_ticket(client=client_org)
    message = received(subject="Complément")
    url = reverse("triage:append", args=[message.pk])
    assert staff.post(url, {"reference": "OC-2099-999999"}).status_code == 400
    staff.post(url, {"reference": ticket.reference.lower()})
    staff.post(url, {"reference": ticket.reference})
    entries = ticket.events.filter(kind=EventKind.EMAIL_IN)
    assert entries.count() == 1
    decision = TriageDecision.objects.get()
    assert (decision.action, decision.ticket, decision.by) == ("append", ticket, tech.user)
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.PROCESSED and message.ticket == ticket


def test_spam_blocks_the_sender_and_their_next_mail_is_ignored(staff, tech):
    message = received(sender="Promo <PROMO@spam.test>")
    url = reverse("triage:spam", args=[message.pk])
    staff.post(url)
    staff.post(url)
    assert BlockedSender.objects.get().address == "promo@spam.test"
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.IGNORED
    assert TriageDecision.objects.get().by == tech.user
    again, _ = inbound_receive(mail(sender="promo@spam.test", n=2), InboundMessage.Source.HTTP)
    assert again.status == InboundMessage.Status.IGNORED and "bloqué" in again.error
    assert Ticket.objects.count() == 0


def test_ignore_keeps_the_mail_with_its_reason_and_a_second_decision_is_refused(tech):
    message = received()
    first = triage_ignore(message=message, by=tech.user, note="Newsletter")
    assert triage_ignore(message=message, by=tech.user) == first
    with pytest.raises(TriageConflict):
        triage_spam(message=message, by=tech.user)
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.IGNORED and "Newsletter" in message.error
    assert BlockedSender.objects.count() == 0


def test_the_queue_lists_mails_to_triage_only_with_a_pinned_query_count(
    staff, tech, django_assert_max_num_queries
):
    for n in range(25):
        received(n=n, subject=f"Sujet {n}")
    triage_ignore(message=InboundMessage.objects.get(subject="Sujet 0"), by=tech.user)
    with django_assert_max_num_queries(6):
        page = staff.get(QUEUE).content.decode()
    assert page.count('data-message="') == 24 and "Sujet 7" in page
    assert "Ignoré" in page  # the audit: latest decisions with who


def test_the_message_page_shows_the_text_and_suggests_clients_at_the_senders_domain(
    staff, client_org
):
    ContactFactory(client=client_org, email="someone@inconnu.test")
    message = received()
    page = staff.get(reverse("triage:message", args=[message.pk])).content.decode()
    assert "2e étage" in page and "Durand SA" in page
    assert f'<option value="{client_org.pk}" selected>' in page  # the only client there
    assert staff.get(reverse("triage:message", args=[999999])).status_code == 404


def test_the_counter_beside_the_bell_counts_mails_to_triage(staff, client):
    received(n=1)
    received(n=2)
    body = staff.get(reverse("triage:counter")).content.decode()
    assert "2 mails à trier" in body and " hidden" not in body.split(">")[0]


def test_visitors_and_client_contacts_never_reach_the_queue(client, client_org):
    message = received()
    assert client.get(QUEUE).status_code == 302
    assert client.get(reverse("triage:counter")).status_code == 401
    contact = ContactFactory(client=client_org, user=UserFactory(username="contact"))
    client.force_login(contact.user)
    for url in (QUEUE, reverse("triage:message", args=[message.pk]), reverse("triage:counter")):
        assert client.get(url).status_code == 403
    response = client.post(reverse("triage:ignore", args=[message.pk]))
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.TRIAGE
