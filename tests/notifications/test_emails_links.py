"""Every client mail links to the request in the extranet, as an absolute URL built on
OCEANIS_BASE_URL (mails leave outside any HTTP request), in its text and its HTML part."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import tasks
from tests.factories import UserFactory, make_ticket
from tickets import services

PARIS = ZoneInfo("Europe/Paris")
BASE = "https://support.oceanis.example"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _public_address(settings):
    settings.OCEANIS_BASE_URL = BASE + "/"  # a trailing slash must not double in the link


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _link(ticket) -> str:
    return f"{BASE}/extranet/demandes/{ticket.pk}/"


def _assert_links(mail, ticket) -> None:
    assert _link(ticket) in mail.body
    html = mail.alternatives[0].content
    assert f'href="{_link(ticket)}"' in html
    assert "Voir la demande dans l'extranet" in html


def test_creation_taking_in_charge_and_closure_mails_link_to_the_request(
    contact, tech, mailoutbox, committed
):
    with committed():
        ticket = make_ticket(client=contact.client, contact=contact)
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    with committed():
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Corrigé")
        services.ticket_close(ticket=ticket, by=tech.user, synthesis="Pilote réinstallé")
    mails = [m for m in mailoutbox if m.to == ["marie.dupont@acme.test"]]
    assert [m.subject.split("] ")[1].split(" :")[0] for m in mails] == [
        "Demande enregistrée",
        "Demande prise en charge",
        "Demande clôturée",
    ]
    for mail in mailoutbox:  # the declared addresses too
        _assert_links(mail, ticket)


def test_the_daily_digest_links_to_the_request(contact, tech, mailoutbox):
    with time_machine.travel(dt.datetime(2026, 10, 20, 10, tzinfo=PARIS), tick=False):
        ticket = make_ticket(client=contact.client, contact=contact)
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    with time_machine.travel(dt.datetime(2026, 10, 20, 17, 0, 1, tzinfo=PARIS), tick=False):
        tasks.send_daily_digests()
    assert len(mailoutbox) == 3
    for mail in mailoutbox:
        assert "Suivi du" in mail.subject
        _assert_links(mail, ticket)


def test_the_link_opens_that_request_for_the_client_contact(contact, mailoutbox, committed, client):
    contact.user = UserFactory(username="marie", email=contact.email)
    contact.save()
    with committed():
        ticket = make_ticket(client=contact.client, contact=contact, title="Imprimante bloquée")
    client.force_login(contact.user)
    response = client.get(urlsplit(_link(ticket)).path)
    assert response.status_code == 200
    assert ticket.reference in response.content.decode()


def test_staff_warnings_carry_no_extranet_link(contract, tech, boss, mailoutbox, committed):
    from tickets.sla_warnings import record_due_sla_warnings

    at = dt.datetime(2026, 10, 20, 10, tzinfo=PARIS)
    with time_machine.travel(at, tick=False):
        ticket = make_ticket(client=contract.client, urgency="critical", assignee=tech)
    later = at + dt.timedelta(hours=2)
    with time_machine.travel(later, tick=False), committed():
        record_due_sla_warnings(now=later)
    warnings = [m for m in mailoutbox if "GTI" in m.subject]
    assert warnings
    for mail in warnings:
        assert "/extranet/" not in mail.body
        assert "/extranet/" not in mail.alternatives[0].content
    assert all(m.subject.startswith(f"[{ticket.reference}]") for m in warnings)
