"""A client's timeline entry through the API follows the client-reply rule."""

from __future__ import annotations

import pytest

from tests.factories import TechnicianFactory, make_ticket
from tickets import services
from tickets.models import EventKind, State, Ticket

pytestmark = pytest.mark.django_db


def timeline(ticket):
    return f"/api/v1/tickets/{ticket.reference}/timeline/"


@pytest.fixture
def tech(db):
    return TechnicianFactory()


def _closed(acme, tech):
    ticket = make_ticket(client=acme, title="VPN")
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    services.ticket_resolve(ticket=ticket, by=tech.user, note="Certificat renouvelé")
    services.ticket_close(ticket=ticket, by=tech.user, synthesis="Certificat renouvelé")
    return ticket


def test_a_client_entry_on_a_closed_ticket_opens_a_follow_up_given_in_location(
    acme_api, acme, tech
):
    ticket = _closed(acme, tech)
    response = acme_api.post(timeline(ticket), {"body": "Le VPN retombe"}, format="json")
    assert response.status_code == 201, response.json()
    new = Ticket.objects.get(follow_up_of=ticket)
    assert response["Location"] == f"/api/v1/tickets/{new.reference}/"
    assert response.json()["kind"] == EventKind.CREATED
    assert new.channel == "api" and new.title == f"Suite de {ticket.reference} : VPN"
    assert acme_api.get(response["Location"]).status_code == 200
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert not ticket.events.filter(kind=EventKind.REPORT, body="Le VPN retombe").exists()


def test_a_client_entry_while_pending_on_the_client_resumes_the_ticket(acme_api, acme, tech):
    ticket = make_ticket(client=acme)
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    services.ticket_set_pending(ticket=ticket, by=tech.user, reason="Version du client VPN ?")
    response = acme_api.post(timeline(ticket), {"body": "4.10.2"}, format="json")
    assert response.status_code == 201 and "Location" not in response
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS


def test_a_staff_entry_on_a_closed_ticket_stays_on_it(staff_api, acme, tech):
    ticket = _closed(acme, tech)
    response = staff_api.post(timeline(ticket), {"body": "Complément", "public": False})
    assert response.status_code == 201
    assert not Ticket.objects.filter(follow_up_of=ticket).exists()
    assert ticket.events.latest("pk").body == "Complément"


def test_a_client_entry_on_a_cancelled_ticket_is_a_409(acme_api, acme):
    ticket = make_ticket(client=acme)
    services.ticket_cancel(ticket=ticket, by=None, reason="Doublon")
    response = acme_api.post(timeline(ticket), {"body": "Et alors ?"}, format="json")
    assert response.status_code == 409
    assert Ticket.objects.count() == 1
