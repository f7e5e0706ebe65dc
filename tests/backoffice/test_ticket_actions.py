"""Ticket page actions: each allowed transition through its service, forbidden ones refused."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from sla.policy import Urgency
from staff.models import Level
from tests.factories import TechnicianFactory, make_ticket
from tickets import services
from tickets.models import EscalationLevel, EventKind, PendingOn, State

from .conftest import MONDAY_9

pytestmark = pytest.mark.django_db


def act(client, ticket, action, **data):
    return client.post(reverse("backoffice:ticket_action", args=[ticket.reference, action]), data)


def page(client, ticket):
    return client.get(reverse("backoffice:ticket", args=[ticket.reference])).content.decode()


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


@pytest.fixture
def in_progress(technician, client_org):
    ticket = make_ticket(client=client_org, assignee=technician)
    return services.ticket_take_in_charge(ticket=ticket, by=technician.user)


def test_a_technician_takes_an_unassigned_ticket_in_charge(tech_client, technician, client_org):
    ticket = make_ticket(client=client_org)
    response = act(tech_client, ticket, "take_in_charge")
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS
    assert ticket.assignee == technician
    assert ticket.ti_measured is not None


def test_a_technician_may_assign_an_unassigned_ticket_to_themself(
    tech_client, technician, client_org
):
    ticket = make_ticket(client=client_org)
    act(tech_client, ticket, "assign_self")
    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee) == (State.ASSIGNED, technician)


def test_a_forged_reassignment_by_a_technician_is_refused_with_no_change(
    tech_client, technician, other_tech, client_org
):
    ticket = make_ticket(client=client_org, assignee=other_tech)
    events = ticket.events.count()
    response = act(tech_client, ticket, "assign", technician=technician.pk)
    assert response.status_code == 302
    assert "Seuls le responsable du centre et son suppléant" in messages_of(response)[-1]
    ticket.refresh_from_db()
    assert ticket.assignee == other_tech
    assert ticket.events.count() == events
    # Nor can the technician take a colleague's ticket over by taking it in charge.
    response = act(tech_client, ticket, "take_in_charge")
    assert "affectée à" in messages_of(response)[-1]
    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee) == (State.ASSIGNED, other_tech)


def test_the_manager_reassigns_anybodys_ticket(manager_client, manager, technician, other_tech):
    ticket = make_ticket(assignee=other_tech)
    act(manager_client, ticket, "assign", technician=technician.pk, note="Renfort")
    ticket.refresh_from_db()
    assert ticket.assignee == technician
    event = ticket.events.filter(kind=EventKind.ASSIGNED).last()
    assert event.actor == manager.user and event.body == "Renfort"


@pytest.mark.parametrize(
    "state,action",
    [
        (State.NEW, "resolve"),
        (State.NEW, "close"),
        (State.NEW, "resume"),
        (State.IN_PROGRESS, "take_in_charge"),
        (State.IN_PROGRESS, "reopen"),
        (State.IN_PROGRESS, "cancel"),
        (State.RESOLVED, "put_pending"),
        (State.CLOSED, "reopen"),
        (State.CLOSED, "escalate"),
        (State.CLOSED, "assign"),
    ],
)
def test_forged_posts_of_forbidden_transitions_change_nothing_and_say_why(
    manager_client, manager, state, action
):
    ticket = make_ticket(assignee=manager)
    user = manager.user
    if state != State.NEW:
        services.ticket_take_in_charge(ticket=ticket, by=user)
    if state in (State.RESOLVED, State.CLOSED):
        services.ticket_resolve(ticket=ticket, by=user, note="Corrigé.")
    if state == State.CLOSED:
        services.ticket_close(ticket=ticket, by=user, synthesis="Fait")
    if state == State.NEW:  # make_ticket with an assignee leaves it "assigned"
        ticket = make_ticket()
    ticket.refresh_from_db()
    before = (ticket.state, ticket.events.count(), ticket.escalation_level, ticket.assignee_id)
    response = act(
        manager_client,
        ticket,
        action,
        reason="x",
        synthesis="x",
        level=3,
        technician=manager.pk,
        kind="request",
        urgency="critical",
        complexity="standard",
    )
    assert response.status_code == 302
    assert "impossible" in messages_of(response)[-1]
    ticket.refresh_from_db()
    assert (ticket.state, ticket.events.count(), ticket.escalation_level, ticket.assignee_id) == (
        before
    )


def test_an_unknown_action_is_a_404(manager_client):
    ticket = make_ticket()
    assert act(manager_client, ticket, "delete_everything").status_code == 404


def test_get_on_an_action_url_is_refused(manager_client):
    ticket = make_ticket()
    url = reverse("backoffice:ticket_action", args=[ticket.reference, "take_in_charge"])
    assert manager_client.get(url).status_code == 405


def test_pending_needs_a_reason_and_keeps_what_was_typed(tech_client, in_progress):
    response = act(tech_client, in_progress, "put_pending", on=PendingOn.CLIENT, reason="")
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode()
    in_progress.refresh_from_db()
    assert in_progress.state == State.IN_PROGRESS


def test_full_cycle_pending_resume_resolve_close_with_requalification(tech_client, in_progress):
    act(tech_client, in_progress, "put_pending", on=PendingOn.THIRD_PARTY, reason="Attente Orange")
    in_progress.refresh_from_db()
    assert (in_progress.state, in_progress.pending_reason) == (State.PENDING, "Attente Orange")
    act(tech_client, in_progress, "resume", note="Ligne rétablie")
    act(tech_client, in_progress, "resolve", note="Box redémarrée", minutes_spent=25)
    in_progress.refresh_from_db()
    assert in_progress.state == State.RESOLVED
    response = act(
        tech_client,
        in_progress,
        "close",
        synthesis="Box opérateur redémarrée, ligne OK",
        kind="incident",
        urgency=Urgency.VERY_BLOCKING,
        complexity=Level.CONFIRMED,
        technical_domain="network",
        service_type="fix",
        equipment="Box Orange",
        billable="",
    )
    assert response.status_code == 302
    in_progress.refresh_from_db()
    assert in_progress.state == State.CLOSED
    assert in_progress.closure_synthesis == "Box opérateur redémarrée, ligne OK"
    assert (in_progress.kind, in_progress.complexity, in_progress.equipment) == (
        "incident",
        "confirmed",
        "Box Orange",
    )
    assert in_progress.events.filter(kind=EventKind.QUALIFICATION).exists()
    assert in_progress.events.filter(minutes_spent=25).exists()


def test_closing_without_a_synthesis_is_refused_and_the_requalification_is_kept(
    tech_client, in_progress
):
    services.ticket_resolve(ticket=in_progress, by=in_progress.assignee.user, note="Corrigé.")
    response = act(
        tech_client,
        in_progress,
        "close",
        synthesis="  ",
        kind="incident",
        urgency="critical",
        complexity="expert",
        equipment="Pare-feu",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'value="Pare-feu"' in body
    in_progress.refresh_from_db()
    assert in_progress.state == State.RESOLVED


def test_reopen_needs_a_reason(tech_client, in_progress):
    services.ticket_resolve(ticket=in_progress, by=in_progress.assignee.user, note="Corrigé.")
    assert act(tech_client, in_progress, "reopen", reason="").status_code == 400
    act(tech_client, in_progress, "reopen", reason="Toujours en panne")
    in_progress.refresh_from_db()
    assert in_progress.state == State.IN_PROGRESS


def test_escalation_goes_up_one_level_at_a_time_and_names_the_resolver(tech_client, in_progress):
    expert = TechnicianFactory(level=Level.EXPERT)
    act(tech_client, in_progress, "escalate", level=2, resolver=expert.pk, reason="Routage BGP")
    in_progress.refresh_from_db()
    assert in_progress.escalation_level == EscalationLevel.L2
    assert in_progress.resolver == expert
    # L2 is no longer a choice: a forged "escalate to L2" is a form error.
    response = act(tech_client, in_progress, "escalate", level=2, reason="encore")
    assert response.status_code == 400
    act(tech_client, in_progress, "escalate", level=3, reason="Expertise BUILD")
    in_progress.refresh_from_db()
    assert in_progress.escalation_level == EscalationLevel.L3
    assert "Escalader" not in page(tech_client, in_progress)


def test_the_resolver_named_on_escalation_may_act_on_the_ticket(client, in_progress):
    expert = TechnicianFactory(level=Level.EXPERT)
    services.ticket_escalate(
        ticket=in_progress, by=in_progress.assignee.user, reason="N2", resolver=expert
    )
    client.force_login(expert.user)
    act(client, in_progress, "resolve", note="Corrigé par le N2")
    in_progress.refresh_from_db()
    assert in_progress.state == State.RESOLVED


def test_changing_urgency_before_taking_in_charge_recomputes_the_deadline(tech_client):
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = make_ticket(urgency=Urgency.NON_BLOCKING)
        act(tech_client, ticket, "urgency", urgency=Urgency.CRITICAL, note="Tout le site")
    ticket.refresh_from_db()
    assert ticket.gti_deadline == MONDAY_9 + dt.timedelta(hours=1)


def test_requalification_outside_closing(tech_client, in_progress):
    act(
        tech_client,
        in_progress,
        "requalify",
        kind="incident",
        complexity="expert",
        equipment="SRV-01",
        note="Plus grave que prévu",
    )
    in_progress.refresh_from_db()
    assert (in_progress.kind, in_progress.complexity) == ("incident", "expert")


def test_cancel_a_duplicate(tech_client):
    ticket = make_ticket()
    act(tech_client, ticket, "cancel", reason="Doublon de OC-2026-000001")
    ticket.refresh_from_db()
    assert ticket.state == State.CANCELLED


def test_the_page_offers_only_the_allowed_actions(tech_client, technician, other_tech):
    new = make_ticket()
    body = page(tech_client, new)
    assert "Prendre en charge" in body and "M&#x27;affecter la demande" in body
    assert "Résoudre" not in body and "Clôturer" not in body
    assert "Affecter / réaffecter" not in body
    colleague = make_ticket(assignee=other_tech)
    body = page(tech_client, colleague)
    assert "Aucune action possible pour vous dans cet état." in body
    mine = make_ticket(assignee=technician)
    services.ticket_take_in_charge(ticket=mine, by=technician.user)
    body = page(tech_client, mine)
    assert "Mettre en attente" in body and "Résoudre" in body
    assert "Prendre en charge" not in body


def test_a_service_refusal_after_a_race_is_shown_without_change(
    tech_client, technician, monkeypatch
):
    ticket = make_ticket()

    def lost_race(**kwargs):
        raise services.TicketTransitionError(kwargs["ticket"], "take_in_charge")

    monkeypatch.setattr(services, "ticket_take_in_charge", lost_race)
    response = act(tech_client, ticket, "take_in_charge")
    assert "impossible" in messages_of(response)[-1]
    ticket.refresh_from_db()
    assert ticket.state == State.NEW


def test_planning_an_intervention_shows_it_on_the_page(tech_client, in_progress, technician):
    response = act(
        tech_client,
        in_progress,
        "plan",
        technician=technician.pk,
        starts_at="2030-03-04T14:00",
        duration_minutes=90,
        mode="on_site",
        travel_minutes=30,
        notes="Badge à l'accueil",
    )
    assert response.status_code == 302
    intervention = in_progress.interventions.get()
    assert intervention.duration == dt.timedelta(minutes=90)
    assert "Badge à l&#x27;accueil" in page(tech_client, in_progress)
