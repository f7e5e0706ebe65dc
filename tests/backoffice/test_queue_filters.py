"""Queue filters through ``backoffice.filters.QueueFilter``: an invalid value is shown on the
form and ignored while the valid ones apply; nothing a URL carries makes a 500."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from sla.policy import Urgency
from staff.models import Level, Team
from tests.factories import ContractFactory, TechnicianFactory, make_ticket
from tickets import services
from tickets.models import State, Ticket

from .conftest import MONDAY_9

pytestmark = pytest.mark.django_db

TEAM = reverse("backoffice:team_queue")
ESCALATED = reverse("backoffice:escalated_queue")


def refs(response):
    return [t.reference for t in response.context["rows"]]


def test_an_invalid_filter_is_ignored_while_the_valid_ones_still_apply(tech_client):
    critical = make_ticket(urgency=Urgency.CRITICAL)
    make_ticket(urgency=Urgency.NON_BLOCKING)
    response = tech_client.get(TEAM, {"urgency": "critical", "client": "abc", "sort": "zzz"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"client", "sort"}
    assert refs(response) == [critical.reference]
    assert "Certains filtres sont invalides" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"assignee": "abc"},
        {"assignee": "99999999999999999999"},
        {"client": "1e9"},
        {"client": "-1"},
        {"state": "<script>"},
        {"awaiting": "maybe"},
        {"sla": ["at_risk", "breached"]},
        {"page": "abc", "sort": "-created"},
        {"urgency": "\x00"},
    ],
)
def test_hostile_values_never_fail_the_page(tech_client, params):
    make_ticket()
    assert tech_client.get(TEAM, params).status_code == 200


def test_the_sort_orders_by_urgency_or_creation(tech_client):
    with time_machine.travel(MONDAY_9, tick=False):
        low = make_ticket(urgency=Urgency.NON_BLOCKING)
    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=5), tick=False):
        high = make_ticket(urgency=Urgency.CRITICAL)
    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=10), tick=False):
        mid = make_ticket(urgency=Urgency.SLIGHTLY_BLOCKING)
        by_urgency = refs(tech_client.get(TEAM, {"sort": "urgency"}))
        newest = refs(tech_client.get(TEAM, {"sort": "-created"}))
        oldest = refs(tech_client.get(TEAM, {"sort": "created"}))
    assert by_urgency == [high.reference, mid.reference, low.reference]
    assert newest == [mid.reference, high.reference, low.reference]
    assert oldest == list(reversed(newest))


def test_a_chosen_state_replaces_the_queues_default_states(tech_client, technician):
    engineer = TechnicianFactory(level=Level.EXPERT, team=Team.RUN)
    ticket = make_ticket(assignee=technician)
    services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    services.ticket_escalate(ticket=ticket, by=technician.user, reason="Routeur", resolver=engineer)
    services.ticket_resolve(ticket=Ticket.objects.get(pk=ticket.pk), by=engineer.user, note="Ok")
    assert Ticket.objects.get(pk=ticket.pk).state == State.RESOLVED
    tech_client.force_login(engineer.user)
    assert refs(tech_client.get(ESCALATED)) == []  # open tickets only by default
    assert refs(tech_client.get(ESCALATED, {"state": "resolved"})) == [ticket.reference]


def test_the_filtered_queue_costs_the_queries_of_the_plain_one(
    tech_client, technician, django_assert_num_queries
):
    contract = ContractFactory()
    make_ticket(assignee=technician, client=contract.client, urgency=Urgency.CRITICAL)
    params = {
        "client": contract.client_id,
        "urgency": "critical",
        "assignee": "me",
        "awaiting": "",
        "sort": "urgency",
        "state": "assigned",
    }
    tech_client.get(TEAM)  # warm the session
    with django_assert_num_queries(8):
        tech_client.get(TEAM)
    # One more: the chosen client is checked against the clients (the form's ModelChoiceField).
    with django_assert_num_queries(9):
        response = tech_client.get(TEAM, params)
    assert response.context["form"].is_valid() and len(refs(response)) == 1
