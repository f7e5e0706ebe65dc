"""The ticket workflow API obeys staff.policy, the same rules as the back-office.

A technician acts on their own or unassigned tickets; only the manager and the deputy reassign. A
refusal is a 403 in the error shape and changes nothing (no event, no intervention time).
"""

import pytest
from rest_framework.test import APIClient

from api.scopes import ALL_SCOPES
from api.services import token_create
from tests.api.conftest import bearer
from tests.factories import TechnicianFactory, make_manager, make_ticket
from tickets import services
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db


def session(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def url(ticket, action=""):
    return f"/api/v1/tickets/{ticket.reference}/{action}"


@pytest.fixture
def alice():
    return TechnicianFactory(user__username="alice")


@pytest.fixture
def bob():
    return TechnicianFactory(user__username="bob")


@pytest.fixture
def bobs_ticket(acme, bob):
    return make_ticket(client=acme, assignee=bob)


def assert_untouched(ticket, before_events):
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.events.count() == before_events
    assert fresh.taken_in_charge_at is None and fresh.ti_measured is None
    assert fresh.assignee_id == ticket.assignee_id and fresh.state == ticket.state


def test_a_technician_taking_a_colleagues_ticket_gets_403_and_nothing_changes(alice, bobs_ticket):
    before = bobs_ticket.events.count()
    response = session(alice.user).post(url(bobs_ticket, "take/"))
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "permission_denied" and set(body) == {"error", "detail", "fields"}
    assert "affectée à" in body["detail"]
    assert_untouched(bobs_ticket, before)


def test_a_technician_assigning_a_colleagues_ticket_to_themself_gets_403(alice, bobs_ticket):
    before = bobs_ticket.events.count()
    response = session(alice.user).post(
        url(bobs_ticket, "assign/"), {"technician": alice.pk}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert_untouched(bobs_ticket, before)


def test_a_technician_cannot_route_an_unassigned_ticket_to_a_colleague(alice, bob, acme):
    ticket = make_ticket(client=acme)
    response = session(alice.user).post(
        url(ticket, "assign/"), {"technician": bob.pk}, format="json"
    )
    assert response.status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).assignee_id is None


@pytest.mark.parametrize(
    "action,data",
    [
        ("pending/", {"reason": "Attente", "on": "client"}),
        ("resolve/", {"note": "Fait"}),
        ("escalate/", {"reason": "N2"}),
    ],
)
def test_a_technician_cannot_act_on_a_colleagues_ticket(alice, bob, bobs_ticket, action, data):
    services.ticket_take_in_charge(ticket=bobs_ticket, by=bob.user)
    before = bobs_ticket.events.count()
    response = session(alice.user).post(url(bobs_ticket, action), data, format="json")
    assert response.status_code == 403, response.json()
    fresh = Ticket.objects.get(pk=bobs_ticket.pk)
    assert fresh.events.count() == before
    assert (fresh.state, fresh.escalation_level) == (State.IN_PROGRESS, 1)


def test_a_technician_cannot_cancel_a_colleagues_ticket(alice, bobs_ticket):
    before = bobs_ticket.events.count()
    response = session(alice.user).post(url(bobs_ticket, "cancel/"), {"reason": "x"}, format="json")
    assert response.status_code == 403
    assert_untouched(bobs_ticket, before)


def test_a_technician_cannot_requalify_a_colleagues_ticket(alice, bobs_ticket):
    response = session(alice.user).patch(url(bobs_ticket), {"urgency": "critical"}, format="json")
    assert response.status_code == 403
    assert Ticket.objects.get(pk=bobs_ticket.pk).urgency == bobs_ticket.urgency


def test_a_technician_takes_their_own_ticket(bob, bobs_ticket):
    response = session(bob.user).post(url(bobs_ticket, "take/"))
    assert response.status_code == 200
    assert response.json()["state"] == State.IN_PROGRESS


def test_a_technician_takes_an_unassigned_ticket_and_becomes_its_owner(alice, acme):
    ticket = make_ticket(client=acme)
    response = session(alice.user).post(url(ticket, "take/"))
    assert response.status_code == 200
    assert response.json()["assignee"] == alice.pk


def test_a_technician_assigns_an_unassigned_ticket_to_themself(alice, acme):
    # The back-office's "M'affecter la demande", through the API.
    ticket = make_ticket(client=acme)
    response = session(alice.user).post(
        url(ticket, "assign/"), {"technician": alice.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["assignee"] == alice.pk


@pytest.mark.parametrize("deputy", [False, True])
def test_the_manager_and_the_deputy_reassign_and_take_anybodys_ticket(alice, bobs_ticket, deputy):
    boss = make_manager("boss", deputy=deputy)
    api = session(boss.user)
    response = api.post(url(bobs_ticket, "assign/"), {"technician": alice.pk}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == alice.pk
    assert api.post(url(bobs_ticket, "take/")).status_code == 200


def test_a_technician_creating_a_ticket_for_a_colleague_gets_403_and_no_ticket(alice, bob, acme):
    response = session(alice.user).post(
        "/api/v1/tickets/",
        {"client": "acme", "title": "x", "urgency": "critical", "assignee": bob.pk},
        format="json",
    )
    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_an_integration_routes_an_unassigned_ticket_but_never_reassigns(
    staff_api, alice, bob, acme
):
    ticket = make_ticket(client=acme)
    assigned = staff_api.post(url(ticket, "assign/"), {"technician": bob.pk}, format="json")
    assert assigned.status_code == 200
    again = staff_api.post(url(ticket, "assign/"), {"technician": alice.pk}, format="json")
    assert again.status_code == 403
    assert "intégration" in again.json()["detail"]
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == bob.pk


def test_an_integration_is_never_a_manager_anywhere_else(staff_api):
    from staff import policy
    from staff.policy import Action

    account = staff_api.token.user
    assert not account.is_staff
    for action in (Action.DISPATCH, Action.REPORTS, Action.BACKOFFICE, Action.ONCALL_OVERRIDE):
        assert not policy.allows(account, action), action


def test_a_token_acting_as_a_technician_has_that_technicians_rights(alice, bobs_ticket, acme):
    _token, raw = token_create(name="Poste d'Alice", scopes=ALL_SCOPES, acting_as=alice.user)
    api = bearer(raw)
    assert api.post(url(bobs_ticket, "take/")).status_code == 403
    unassigned = make_ticket(client=acme)
    response = api.post(url(unassigned, "take/"))
    assert response.status_code == 200 and response.json()["assignee"] == alice.pk
