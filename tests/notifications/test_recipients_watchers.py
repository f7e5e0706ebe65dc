"""Contacts watching a ticket get the client mails of the requester (creation, taking in charge,
closure, closure reminder, digest), in their language, once, never for their own action; staff
watchers get none of them; one query finds the watchers of any number of tickets."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from clients.models import Contact
from notifications import digest, tasks
from notifications.recipients import client_recipients
from tests.factories import ContactFactory, ContractFactory, UserFactory, make_ticket
from tickets import services
from tickets.autoclose import sweep_resolved_tickets
from tickets.models import Ticket

PARIS = ZoneInfo("Europe/Paris")
PAUL = "paul.leroy@acme.test"

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def paul(contract_with_recipients):
    return ContactFactory(client=contract_with_recipients.client, email="Paul.Leroy@acme.test")


def _subjects(mailoutbox, address):
    return [m.subject.split("] ")[1].split(" :")[0] for m in mailoutbox if m.to == [address]]


def test_a_watching_contact_gets_every_client_mail_of_the_requester(
    contact, paul, tech, mailoutbox, committed, settings
):
    settings.TICKETS_CLOSURE_REMINDER_BUSINESS_DAYS = 7
    settings.TICKETS_AUTO_CLOSE_BUSINESS_DAYS = 10
    tuesday = dt.datetime(2026, 10, 20, 10, tzinfo=PARIS)
    with time_machine.travel(tuesday, tick=False), committed():
        # As an inbound mail does with its Cc: the watcher is added with the creation.
        ticket = make_ticket(client=contact.client, contact=contact, title="VPN coupé")
        services.ticket_watcher_add(ticket=ticket, by=None, contact=paul)
    with time_machine.travel(tuesday + dt.timedelta(hours=1), tick=False), committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    with time_machine.travel(tuesday + dt.timedelta(hours=2), tick=False), committed():
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Certificat renouvelé")
    with time_machine.travel(dt.datetime(2026, 10, 20, 17, 0, 1, tzinfo=PARIS), tick=False):
        tasks.send_daily_digests()
    # Resolved Tuesday 20 October 12:00: reminded 7 business days later, closed after 10.
    for at in (
        dt.datetime(2026, 10, 29, 12, tzinfo=PARIS),
        dt.datetime(2026, 11, 3, 12, tzinfo=PARIS),
    ):
        with time_machine.travel(at, tick=False), committed():
            sweep_resolved_tickets(now=at)
    Ticket.objects.get(pk=ticket.pk, state="closed")
    expected = [
        "Demande enregistrée",
        "Demande prise en charge",
        "Suivi du 20 octobre 2026",
        "Demande résolue, bientôt clôturée",
        "Demande clôturée",
    ]
    assert _subjects(mailoutbox, "marie.dupont@acme.test") == expected
    assert _subjects(mailoutbox, PAUL) == expected


def test_watchers_get_their_own_language(contact, tech, mailoutbox, committed):
    john = ContactFactory(
        client=contact.client, email="john.smith@acme.test", language=Contact.Language.EN
    )
    ticket = make_ticket(client=contact.client, contact=contact)
    services.ticket_watcher_add(ticket=ticket, by=None, contact=john)
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    english = next(m for m in mailoutbox if m.to == ["john.smith@acme.test"])
    assert english.subject.endswith("Request taken in charge: Imprimante bloquée")
    french = next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"])
    assert "Demande prise en charge" in french.subject


def test_a_watcher_already_receiving_the_mails_gets_each_once(contact, tech, mailoutbox, committed):
    dsi = ContactFactory(client=contact.client, email="DSI@acme.test")  # a declared address
    ticket = make_ticket(client=contact.client, contact=contact)
    services.ticket_watcher_add(ticket=ticket, by=None, contact=dsi)
    services.ticket_watcher_add(ticket=ticket, by=None, contact=contact)  # the requester
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "direction@acme.test",
        "dsi@acme.test",
        "marie.dupont@acme.test",
    ]


def test_a_watcher_gets_no_copy_of_their_own_action(
    contact, paul, tech, client, mailoutbox, committed
):
    paul.user = UserFactory(username="paul", email=PAUL)
    paul.save()
    ticket = make_ticket(client=contact.client, contact=contact)
    services.ticket_watcher_add(ticket=ticket, by=None, contact=paul)
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    services.ticket_resolve(ticket=ticket, by=tech.user, note="Fait")
    client.force_login(paul.user)
    with committed():  # Paul confirms the resolution on the extranet: the ticket closes
        response = client.post(reverse("extranet:request_confirm", args=[ticket.pk]))
    assert response.status_code == 302
    closure = [m.to[0] for m in mailoutbox if "Demande clôturée" in m.subject]
    assert PAUL not in closure and "marie.dupont@acme.test" in closure


def test_staff_watchers_get_no_client_mail(contact, tech, boss, mailoutbox, committed):
    ticket = make_ticket(client=contact.client, contact=contact)
    services.ticket_watcher_add(ticket=ticket, by=boss.user, user=boss.user)
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    assert mailoutbox
    assert boss.user.email not in [m.to[0] for m in mailoutbox]


def test_inactive_contacts_and_contacts_of_another_client_get_nothing(
    contact, paul, tech, mailoutbox, committed
):
    gone = ContactFactory(client=contact.client, email="parti@acme.test")
    ticket = make_ticket(client=contact.client, contact=contact)
    services.ticket_watcher_add(ticket=ticket, by=None, contact=gone)
    services.ticket_watcher_add(ticket=ticket, by=None, contact=paul)
    Contact.objects.filter(pk=gone.pk).update(is_active=False)
    Contact.objects.filter(pk=paul.pk).update(client=ContractFactory().client)  # moved away
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    received = [m.to[0] for m in mailoutbox]
    assert "parti@acme.test" not in received and PAUL not in received
    assert "marie.dupont@acme.test" in received


def test_one_query_finds_the_watchers(contact, paul, django_assert_num_queries):
    ticket = make_ticket(client=contact.client, contact=contact)
    services.ticket_watcher_add(ticket=ticket, by=None, contact=paul)
    ticket = Ticket.objects.select_related("client", "contact", "contract").get(pk=ticket.pk)
    with django_assert_num_queries(2):  # the declared addresses' languages, the watchers
        people = client_recipients(ticket)
    assert [p.email for p in people] == [
        "marie.dupont@acme.test",
        "dsi@acme.test",
        "direction@acme.test",
        PAUL,
    ]


def test_digest_planning_finds_watchers_of_all_tickets_in_one_query(
    contact, paul, django_assert_num_queries
):
    def busy_day(day, count):
        with time_machine.travel(dt.datetime(2026, 10, day, 10, tzinfo=PARIS), tick=False):
            for _ in range(count):
                ticket = make_ticket(client=contact.client, contact=contact)
                services.ticket_watcher_add(ticket=ticket, by=None, contact=paul)

    busy_day(20, 1)
    with django_assert_num_queries(6) as one:
        assert len(digest.plan_digests(dt.date(2026, 10, 20))) == 4
    busy_day(21, 8)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(digest.plan_digests(dt.date(2026, 10, 21))) == 32
