"""Dispatch screen: ranked suggestions, one-click and bulk assignment, team board, refresh."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from sla.policy import Urgency
from staff.models import Level
from tests.factories import ContractFactory, TechnicianFactory, make_ticket
from tickets import services
from tickets.models import EventKind, State

from .conftest import MONDAY_9

pytestmark = pytest.mark.django_db

DISPATCH = reverse("backoffice:dispatch")
ASSIGN = reverse("backoffice:dispatch_assign")
BULK = reverse("backoffice:dispatch_bulk")


def test_the_screen_lists_tickets_to_arbitrate_with_ranked_reasons(
    manager_client, referent_contract
):
    referent = referent_contract.referent
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = make_ticket(client=referent_contract.client, urgency=Urgency.CRITICAL)
        response = manager_client.get(DISPATCH)
    row = response.context["rows"][0]
    assert row["ticket"] == ticket
    assert row["top"][0].technician == referent
    body = response.content.decode()
    assert "Technicien référent du contrat" in body
    assert f"Affecter {ticket.reference} à {referent}" in body


def test_an_under_qualified_referent_keeps_a_button_but_not_the_primary_one(manager_client):
    referent = TechnicianFactory(user__first_name="Rémi", level=Level.STANDARD)
    for _ in range(4):
        TechnicianFactory(level=Level.EXPERT)
    contract = ContractFactory(referent=referent)
    with time_machine.travel(MONDAY_9, tick=False):
        ticket = make_ticket(client=contract.client, complexity=Level.EXPERT)
        response = manager_client.get(DISPATCH)
    row = response.context["rows"][0]
    assert row["ticket"] == ticket
    assert [s.qualified for s in row["top"]] == [True, True, True, False]
    assert row["top"][-1].technician == referent and not row["top"][-1].qualified
    assert referent not in [s.technician for s in row["more"]]
    body = response.content.decode()
    assert "proposé après les techniciens qualifiés" in body
    assert f"Affecter {ticket.reference} à {referent}" in body


def test_one_click_assigns_and_records_who_arbitrated(manager_client, manager, referent_contract):
    ticket = make_ticket(client=referent_contract.client)
    response = manager_client.post(
        ASSIGN, {"ticket": ticket.reference, "technician": referent_contract.referent.pk}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee) == (State.ASSIGNED, referent_contract.referent)
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert event.actor == manager.user
    assert event.body.startswith("Dispatch : suggestion n° 1 (Technicien référent du contrat")


def test_htmx_assignment_returns_the_refreshed_list_with_the_message(
    manager_client, referent_contract
):
    ticket = make_ticket(client=referent_contract.client)
    response = manager_client.post(
        ASSIGN,
        {"ticket": ticket.reference, "technician": referent_contract.referent.pk},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="dispatch-live"')
    assert f"{ticket.reference} affectée à" in body
    assert f'id="d-{ticket.reference}"' not in body  # assigned and not at risk: left the list


def test_reassigning_a_closed_ticket_is_refused_with_no_change(manager_client, manager):
    ticket = make_ticket(assignee=manager)
    services.ticket_cancel(ticket=ticket, by=manager.user, reason="Doublon")
    other = TechnicianFactory()
    response = manager_client.post(
        ASSIGN, {"ticket": ticket.reference, "technician": other.pk}, HTTP_HX_REQUEST="true"
    )
    assert "impossible" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee == manager


def test_a_missing_technician_is_a_clear_error(manager_client):
    ticket = make_ticket()
    response = manager_client.post(ASSIGN, {"ticket": ticket.reference, "technician": "x"})
    assert response.status_code == 302
    follow = manager_client.get(DISPATCH).content.decode()
    assert "Choisissez un technicien." in follow
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_bulk_assign_to_one_technician(manager_client):
    tech = TechnicianFactory()
    tickets = [make_ticket() for _ in range(3)]
    manager_client.post(BULK, {"tickets": [t.reference for t in tickets], "technician": tech.pk})
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.assignee == tech


def test_bulk_auto_spreads_the_batch_over_the_team(manager_client, manager):
    manager.available = False  # the manager dispatches but takes no tickets here
    manager.save()
    alice = TechnicianFactory(level=Level.STANDARD, user__first_name="Alice")
    bruno = TechnicianFactory(level=Level.STANDARD, user__first_name="Bruno")
    contract = ContractFactory()
    tickets = [make_ticket(client=contract.client, urgency=Urgency.CRITICAL) for _ in range(4)]
    manager_client.post(BULK, {"tickets": [t.reference for t in tickets], "technician": "auto"})
    owners = []
    for ticket in tickets:
        ticket.refresh_from_db()
        owners.append(ticket.assignee)
    assert owners.count(alice) == 2 and owners.count(bruno) == 2


def test_bulk_without_selection_or_technician_says_so(manager_client):
    response = manager_client.post(BULK, {"technician": "auto"}, HTTP_HX_REQUEST="true")
    assert "Sélectionnez au moins une demande." in response.content.decode()
    ticket = make_ticket()
    response = manager_client.post(
        BULK, {"tickets": [ticket.reference], "technician": ""}, HTTP_HX_REQUEST="true"
    )
    assert "Choisissez un technicien ou" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_the_team_board_counts_open_tickets_by_urgency_and_at_risk(manager_client):
    tech = TechnicianFactory(user__first_name="Léa")
    with time_machine.travel(MONDAY_9, tick=False):
        make_ticket(urgency=Urgency.CRITICAL, assignee=tech)
        make_ticket(urgency=Urgency.NON_BLOCKING, assignee=tech)
    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=50), tick=False):
        response = manager_client.get(DISPATCH)
    load = next(w for w in response.context["board"] if w.technician == tech)
    assert (load.open_count, load.at_risk, load.weighted) == (2, 1, 5)
    assert response.context["board"][0] == load  # most at-risk first


def test_an_absent_technician_is_on_the_board_but_never_suggested(manager_client):
    away = TechnicianFactory(available=False, user__first_name="Absent")
    make_ticket()
    response = manager_client.get(DISPATCH)
    suggested = [s.technician for s in response.context["rows"][0]["top"]]
    assert away not in suggested
    assert away in [w.technician for w in response.context["board"]]


def test_polling_returns_the_live_region_only(manager_client):
    make_ticket()
    body = manager_client.get(DISPATCH, HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith('<div id="dispatch-live"')
    assert 'hx-trigger="every 30s' in body


def test_dispatch_query_count_does_not_grow_with_tickets_or_technicians(
    manager_client, django_assert_num_queries
):
    make_ticket()
    manager_client.get(DISPATCH)
    with django_assert_num_queries(9) as few:
        manager_client.get(DISPATCH)
    for _ in range(5):
        TechnicianFactory()
    for _ in range(15):
        make_ticket(client=ContractFactory(referent=TechnicianFactory()).client)
    with django_assert_num_queries(len(few.captured_queries)):
        response = manager_client.get(DISPATCH)
    assert len(response.context["rows"]) == 16


def test_an_agent_whose_shift_ended_is_not_suggested_and_their_tickets_come_back(
    manager_client,
):
    from shifts.models import Shift, ShiftAssignment

    morning = Shift.objects.create(name="Matin", start_time=dt.time(6), end_time=dt.time(14))
    gone = TechnicianFactory(user__first_name="Gaston")
    on_duty = TechnicianFactory(user__first_name="Dora")
    ShiftAssignment.objects.create(shift=morning, day=MONDAY_9.date(), technician=gone)
    ShiftAssignment.objects.create(
        shift=Shift.objects.create(name="Après-midi", start_time=dt.time(14), end_time=dt.time(22)),
        day=MONDAY_9.date(),
        technician=on_duty,
    )
    with time_machine.travel(MONDAY_9, tick=False):
        left_behind = make_ticket(urgency=Urgency.NON_BLOCKING, assignee=gone)
        services.ticket_take_in_charge(ticket=left_behind, by=gone.user)
        make_ticket()
    with time_machine.travel(MONDAY_9.replace(hour=15), tick=False):
        response = manager_client.get(DISPATCH)
    rows = {row["ticket"].pk: row for row in response.context["rows"]}
    assert rows[left_behind.pk]["orphaned"]
    assert "propriétaire hors shift" in response.content.decode()
    for row in rows.values():
        suggested = [s.technician for s in row["top"] + row["more"]]
        assert gone not in suggested and on_duty in suggested


def test_any_other_technician_can_be_chosen_from_the_list(manager_client, manager):
    extra = [TechnicianFactory() for _ in range(4)]
    ticket = make_ticket()
    response = manager_client.get(DISPATCH)
    others = [s.technician for s in response.context["rows"][0]["more"]]
    assert others and 'name="other"' in response.content.decode()
    chosen = others[-1]
    manager_client.post(
        ASSIGN, {"ticket": ticket.reference, "technician": "other", "other": chosen.pk}
    )
    ticket.refresh_from_db()
    assert ticket.assignee == chosen
    assert chosen in extra + [manager]
