"""The BUILD escalation page obeys staff.policy like the ticket page: a technician escalates their
own or an unassigned ticket, never a colleague's; the manager escalates any."""

import pytest
from django.urls import reverse

from projects.models import BuildEscalation
from tests.factories import TechnicianFactory, make_manager, make_ticket
from tickets.models import EscalationLevel

pytestmark = pytest.mark.django_db


def escalate(client, user, ticket, engineer):
    client.force_login(user)
    return client.post(
        reverse("projects:ticket_escalate", args=[ticket.pk]),
        {"engineer": str(engineer.pk), "reason": "Expertise IPsec"},
    )


def test_a_technician_cannot_escalate_a_colleagues_ticket(client, build_client, engineer):
    colleague, intruder = TechnicianFactory(), TechnicianFactory()
    ticket = make_ticket(client=build_client, assignee=colleague)
    response = escalate(client, intruder.user, ticket, engineer)
    assert response.status_code == 403
    assert "affectée à" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.escalation_level == EscalationLevel.L1 and ticket.resolver is None
    assert not BuildEscalation.objects.exists()


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_the_owner_or_the_manager_escalates_to_build(client, build_client, engineer, who):
    owner = TechnicianFactory()
    ticket = make_ticket(client=build_client, assignee=owner)
    user = owner.user if who == "owner" else make_manager().user
    assert escalate(client, user, ticket, engineer).status_code == 302
    ticket.refresh_from_db()
    assert ticket.escalation_level == EscalationLevel.L3 and ticket.resolver == engineer
