"""The resolver's queue "Escaladées vers moi", the resolver shown on the owner's rows, and the
"suite de OC-…" link between a follow-up and the ticket it continues."""

import pytest
from django.urls import reverse

from staff.models import Level, Team
from tests.factories import ContractFactory, TechnicianFactory, make_ticket
from tickets import services
from tickets.models import Ticket

from .test_unread_activity import row

pytestmark = pytest.mark.django_db

HOME = reverse("home")
ESCALATED = reverse("backoffice:escalated_queue")
TEAM = reverse("backoffice:team_queue")


@pytest.fixture
def engineer(db):
    return TechnicianFactory(
        user__username="run-engineer",
        user__first_name="Inès",
        user__last_name="Run",
        level=Level.EXPERT,
        team=Team.RUN,
    )


def escalate(ticket, owner, engineer):
    return services.ticket_escalate(
        ticket=ticket, by=owner.user, reason="Routeur à reconfigurer", resolver=engineer
    )


def refs(response):
    return [t.reference for t in response.context["rows"]]


def test_the_resolver_sees_the_open_tickets_escalated_to_them(
    client, technician, other_tech, engineer
):
    mine = escalate(make_ticket(assignee=technician), technician, engineer)
    elsewhere = escalate(make_ticket(assignee=technician), technician, other_tech)
    finished = escalate(make_ticket(assignee=technician), technician, engineer)
    services.ticket_take_in_charge(ticket=finished, by=technician.user)
    services.ticket_resolve(ticket=finished, by=engineer.user, note="Routeur remplacé")
    make_ticket(assignee=engineer)  # owned, not escalated: that is "Mes demandes"
    client.force_login(engineer.user)
    response = client.get(ESCALATED)
    assert response.status_code == 200
    assert refs(response) == [mine.reference]
    body = response.content.decode()
    assert "<h1>Escaladées vers moi</h1>" in body
    assert str(technician) in row(body, mine.reference)  # the owner stays visible
    assert elsewhere.reference not in body
    # Same filters as the other queues.
    assert refs(client.get(ESCALATED, {"state": "resolved"})) == [finished.reference]
    assert refs(client.get(ESCALATED, {"urgency": "critical"})) == []


def test_nobody_else_gets_them_and_the_queue_is_beside_mes_demandes(tech_client, engineer):
    ticket = make_ticket(assignee=engineer)
    escalate(ticket, engineer, engineer)
    response = tech_client.get(ESCALATED)
    assert refs(response) == []
    assert "Aucune demande ouverte ne vous est escaladée." in response.content.decode()
    nav = tech_client.get(HOME).content.decode().split("<nav", 1)[1].split("</nav>", 1)[0]
    assert nav.index("Mes demandes") < nav.index("Escaladées vers moi") < nav.index("File d")
    assert f'href="{ESCALATED}"' in nav


def test_my_rows_say_when_someone_else_resolves(tech_client, technician, engineer):
    escalated = escalate(make_ticket(assignee=technician), technician, engineer)
    plain = make_ticket(assignee=technician)
    self_resolved = escalate(make_ticket(assignee=technician), technician, technician)
    body = tech_client.get(HOME).content.decode()
    assert "Résolution : Inès Run" in row(body, escalated.reference)
    assert "Résolution" not in row(body, plain.reference)
    assert "Résolution" not in row(body, self_resolved.reference)


def test_the_escalated_queue_query_count_does_not_grow_with_rows(
    client, technician, engineer, django_assert_num_queries
):
    escalate(make_ticket(assignee=technician), technician, engineer)
    client.force_login(engineer.user)
    client.get(ESCALATED)
    with django_assert_num_queries(8) as few:
        client.get(ESCALATED)
    for _ in range(15):
        ticket = make_ticket(assignee=technician, client=ContractFactory().client)
        escalate(ticket, technician, engineer)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(ESCALATED)
    assert len(response.context["rows"]) == 16


def test_a_follow_up_links_to_the_ticket_it_continues_and_back(tech_client, technician):
    old = make_ticket(assignee=technician, title="Messagerie lente")
    services.ticket_take_in_charge(ticket=old, by=technician.user)
    services.ticket_resolve(ticket=old, by=technician.user, note="Quota augmenté")
    services.ticket_close(ticket=old, by=technician.user, synthesis="Quota augmenté")
    new = make_ticket(client=old.client, assignee=technician, title="Re: Messagerie lente")
    Ticket.objects.filter(pk=new.pk).update(follow_up_of=old)
    old_url = reverse("backoffice:ticket", args=[old.reference])
    new_url = reverse("backoffice:ticket", args=[new.reference])

    line = row(tech_client.get(TEAM).content.decode(), new.reference)
    assert f'Suite de <a href="{old_url}">{old.reference}</a>' in line

    page = tech_client.get(new_url).content.decode()
    assert f'Suite de <a href="{old_url}">{old.reference}</a> – Messagerie lente' in page

    page = tech_client.get(old_url).content.decode()
    assert "Suites de cette demande :" in page
    assert f'<a href="{new_url}">{new.reference}</a> (affectée)' in page
