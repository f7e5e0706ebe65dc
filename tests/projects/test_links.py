"""Tickets referencing a project, and L3 escalations aimed at a BUILD engineer."""

import pytest
from django.core.exceptions import ValidationError

from projects.links import (
    escalate_to_build_engineer,
    project_of,
    suggested_project,
    ticket_link_project,
)
from projects.models import BuildEscalation, EventKind, TicketProject
from staff.models import Team
from tests.factories import ClientFactory, TechnicianFactory, make_ticket
from tickets import services as ticket_services
from tickets.models import EscalationLevel
from tickets.models import EventKind as TicketEventKind

from .conftest import make_project


@pytest.fixture
def ticket(build_client):
    return make_ticket(
        client=build_client, title="Tunnel VPN instable", equipment="vpn inter-sites"
    )


@pytest.mark.django_db
def test_a_ticket_is_linked_to_its_clients_project_with_an_internal_note(ticket, project, pm):
    link = ticket_link_project(ticket=ticket, project=project, by=pm)
    assert project_of(ticket) == project and link.linked_by == pm
    note = ticket.events.get(kind=TicketEventKind.NOTE)
    assert not note.public and note.body == "Demande rattachée au projet « VPN inter-sites »."
    assert note.payload["project"] == project.pk
    event = project.events.get(kind=EventKind.TICKET_LINK)
    assert event.payload["reference"] == ticket.reference
    ticket.refresh_from_db()
    assert ticket.equipment == "vpn inter-sites"  # the free qualification is left as typed


@pytest.mark.django_db
def test_linking_again_changes_nothing_and_relinking_moves_the_ticket(
    ticket, project, build_client, pm
):
    ticket_link_project(ticket=ticket, project=project, by=pm)
    ticket_link_project(ticket=ticket, project=project, by=pm)
    assert ticket.events.filter(kind=TicketEventKind.NOTE).count() == 1
    other = make_project(build_client, pm, name="Infogérance serveurs", kind="managed")
    ticket_link_project(ticket=ticket, project=other, by=pm)
    assert TicketProject.objects.get(ticket=ticket).project == other
    last = ticket.events.filter(kind=TicketEventKind.NOTE).last()
    assert "(auparavant : « VPN inter-sites »)" in last.body


@pytest.mark.django_db
def test_a_ticket_never_links_to_another_clients_project(project, pm):
    foreign = make_ticket(client=ClientFactory())
    with pytest.raises(ValidationError) as excinfo:
        ticket_link_project(ticket=foreign, project=project, by=pm)
    assert "autre client" in str(excinfo.value)
    assert not TicketProject.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_ticket_is_not_linked(ticket, project, pm):
    ticket_services.ticket_cancel(ticket=ticket, by=pm, reason="Doublon")
    with pytest.raises(ValidationError):
        ticket_link_project(ticket=ticket, project=project, by=pm)


@pytest.mark.django_db
def test_the_equipment_text_suggests_the_matching_project_of_the_same_client(ticket, project):
    assert suggested_project(ticket) == project
    make_project(ClientFactory(), project.project_manager, name="Autre")
    stranger = make_ticket(client=ClientFactory(), equipment="VPN inter-sites")
    assert suggested_project(stranger) is None
    assert suggested_project(make_ticket(client=project.client)) is None


@pytest.mark.django_db
def test_an_l3_escalation_targets_a_build_engineer_and_keeps_the_owner(
    ticket, project, engineer, technician, pm
):
    ticket_services.ticket_assign(ticket=ticket, technician=technician, by=None)
    ticket_link_project(ticket=ticket, project=project, by=pm)
    # The owner escalates (staff.policy: a technician acts on their own tickets).
    escalation = escalate_to_build_engineer(
        ticket=ticket, engineer=engineer, by=technician.user, reason="Crypto IPsec à revoir"
    )
    ticket.refresh_from_db()
    assert ticket.escalation_level == EscalationLevel.L3
    assert ticket.assignee == technician and ticket.resolver == engineer
    assert escalation.engineer == engineer and escalation.reason == "Crypto IPsec à revoir"
    note = ticket.events.filter(kind=TicketEventKind.NOTE).last()
    assert not note.public
    assert note.body == (
        "Escalade N3 : expertise demandée à Claire Fontaine (BUILD). Motif : Crypto IPsec à revoir"
        "\nProjet : VPN inter-sites"
    )
    assert ticket.events.filter(kind=TicketEventKind.ESCALATION).get().payload["to"] == 3
    assert project.events.filter(kind=EventKind.ESCALATION).exists()


@pytest.mark.django_db
def test_a_ticket_already_at_l3_gets_a_new_target_and_resolver_at_the_same_level(
    ticket, engineer, other_engineer, pm
):
    escalate_to_build_engineer(ticket=ticket, engineer=engineer, by=pm, reason="Analyse")
    escalate_to_build_engineer(ticket=ticket, engineer=other_engineer, by=pm, reason="Relais")
    ticket.refresh_from_db()
    assert (ticket.escalation_level, ticket.resolver) == (EscalationLevel.L3, other_engineer)
    levels = ticket.events.filter(kind=TicketEventKind.ESCALATION).values_list("payload", flat=True)
    assert [(p["from"], p["to"]) for p in levels] == [(1, 3), (3, 3)]
    assert list(BuildEscalation.objects.values_list("engineer", flat=True)) == [
        other_engineer.pk,
        engineer.pk,
    ]
    assert "Hugo Chevalier" in ticket.events.filter(kind=TicketEventKind.NOTE).last().body


@pytest.mark.django_db
def test_l3_escalation_needs_a_build_engineer_and_a_reason(ticket, pm):
    run_expert = TechnicianFactory(team=Team.RUN)
    with pytest.raises(ValidationError, match="n'est pas un ingénieur BUILD"):
        escalate_to_build_engineer(ticket=ticket, engineer=run_expert, by=pm, reason="x")
    build = TechnicianFactory(team=Team.BUILD)
    with pytest.raises(ValidationError, match="motif"):
        escalate_to_build_engineer(ticket=ticket, engineer=build, by=pm, reason=" ")
    ticket.refresh_from_db()
    assert ticket.escalation_level == EscalationLevel.L1
    assert not BuildEscalation.objects.exists()
