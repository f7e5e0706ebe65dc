"""Shifts, handover (ownership moves with a note on each ticket, all or nothing) and orphans."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from shifts import services
from shifts.models import Handover, Shift, ShiftAssignment, local_span
from shifts.selectors import incoming_agents, on_duty, orphaned_tickets
from tests.factories import (
    ContactFactory,
    TechnicianFactory,
    UserFactory,
    make_manager,
    make_ticket,
)
from tickets.models import EventKind, State, TicketEvent
from tickets.services import (
    ticket_assign,
    ticket_cancel,
    ticket_resolve,
    ticket_set_pending,
    ticket_take_in_charge,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


@pytest.fixture
def agents(db):
    return {"out": TechnicianFactory(), "in": TechnicianFactory(), "other": TechnicianFactory()}


@pytest.fixture
def open_tickets(agents, client_org):
    """Three tickets owned by the outgoing agent in three different open states."""
    user = agents["out"].user
    assigned = make_ticket(client=client_org, title="Imprimante", assignee=agents["out"])
    in_progress = make_ticket(client=client_org, title="VPN", assignee=agents["out"])
    ticket_take_in_charge(ticket=in_progress, by=user)
    pending = make_ticket(client=client_org, title="Licence", assignee=agents["out"])
    ticket_take_in_charge(ticket=pending, by=user)
    ticket_set_pending(ticket=pending, by=user, reason="Attente bon de commande")
    return [assigned, in_progress, pending]


def test_a_night_shift_ends_the_next_morning_in_local_time_across_dst():
    start, end = local_span(dt.date(2025, 10, 25), dt.time(22), dt.time(6))
    assert start == paris(2025, 10, 25, 22) and end == paris(2025, 10, 26, 6)
    assert end - start == dt.timedelta(hours=9)  # the October night has an extra hour
    start, end = local_span(dt.date(2025, 3, 29), dt.time(22), dt.time(6))
    assert end - start == dt.timedelta(hours=7)


def test_handover_moves_ownership_with_a_note_logged_on_each_ticket(agents, open_tickets):
    notes = ["Relancer le client à 9h", "Tunnel instable, voir logs", "Attendre le bon"]

    handover = services.handover_perform(
        from_technician=agents["out"],
        to_technician=agents["in"],
        items=list(zip(open_tickets, notes, strict=True)),
        by=agents["out"].user,
        note="Nuit calme",
    )

    states = [State.ASSIGNED, State.IN_PROGRESS, State.PENDING]
    for ticket, note, state in zip(open_tickets, notes, states, strict=True):
        ticket.refresh_from_db()
        assert ticket.assignee == agents["in"]
        assert ticket.state == state  # ownership moves, the work state is kept
        event = ticket.events.filter(kind=EventKind.ASSIGNED).last()
        assert event.payload["previous"] == agents["out"].pk
        assert event.payload["assignee"] == agents["in"].pk
        assert note in event.body and "Relève de poste" in event.body
        assert event.actor == agents["out"].user
    assert [i.note for i in handover.items.all()] == notes
    assert handover.note == "Nuit calme"


def test_a_handover_is_all_or_nothing(agents, open_tickets):
    first, second, third = open_tickets
    # Between the screen being shown and posted, a manager gave one ticket to someone else.
    ticket_assign(ticket=third, technician=agents["other"], by=make_manager().user)
    events_before = TicketEvent.objects.count()

    with pytest.raises(ValidationError, match=third.reference):
        services.handover_perform(
            from_technician=agents["out"],
            to_technician=agents["in"],
            items=[(first, "a"), (second, "b"), (third, "c")],
            by=agents["out"].user,
        )

    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.assignee == agents["out"]
    assert TicketEvent.objects.count() == events_before
    assert not Handover.objects.exists()


def test_every_ticket_needs_its_handover_note(agents, open_tickets):
    with pytest.raises(ValidationError, match=open_tickets[1].reference):
        services.handover_perform(
            from_technician=agents["out"],
            to_technician=agents["in"],
            items=[(open_tickets[0], "ok"), (open_tickets[1], "  ")],
            by=agents["out"].user,
        )
    assert not Handover.objects.exists()


def test_one_cannot_hand_over_to_oneself(agents, open_tickets):
    with pytest.raises(ValidationError):
        services.handover_perform(
            from_technician=agents["out"],
            to_technician=agents["out"],
            items=[(open_tickets[0], "x")],
            by=agents["out"].user,
        )


@pytest.fixture
def rota(agents):
    morning = Shift.objects.create(name="Matin", start_time=dt.time(6), end_time=dt.time(14))
    afternoon = Shift.objects.create(
        name="Après-midi", start_time=dt.time(14), end_time=dt.time(22)
    )
    night = Shift.objects.create(name="Nuit", start_time=dt.time(22), end_time=dt.time(6))
    day = dt.date(2026, 3, 10)
    services.shift_assign(
        shift=morning, technician=agents["out"], first_day=day, last_day=day, by=None
    )
    services.shift_assign(
        shift=afternoon, technician=agents["in"], first_day=day, last_day=day, by=None
    )
    services.shift_assign(
        shift=night,
        technician=agents["other"],
        first_day=day - dt.timedelta(days=1),
        last_day=day,
        by=None,
    )
    return {"morning": morning, "afternoon": afternoon, "night": night, "day": day}


def test_who_is_on_duty_and_who_comes_next(rota, agents):
    at_noon = paris(2026, 3, 10, 12)
    assert [a.technician for a in on_duty(at_noon)] == [agents["out"]]
    assert incoming_agents(at_noon, exclude=agents["out"]) == [agents["in"]]
    # 03:00 on the 10th: the night shift that started on the 9th.
    assert [a.technician for a in on_duty(paris(2026, 3, 10, 3))] == [agents["other"]]


def test_tickets_of_an_agent_whose_shift_ended_are_orphaned(rota, agents, open_tickets):
    at_noon = paris(2026, 3, 10, 12)
    assert list(orphaned_tickets(at_noon)) == []

    after_shift = paris(2026, 3, 10, 15)
    assert set(orphaned_tickets(after_shift)) == set(open_tickets)

    # Closed or cancelled tickets, and tickets of people not working in shifts, never are.
    ticket_resolve(ticket=open_tickets[1], by=agents["out"].user, note="Corrigé.")
    ticket_cancel(ticket=open_tickets[0], by=agents["out"].user, reason="Doublon")
    engineer_ticket = make_ticket(assignee=TechnicianFactory())
    orphans = list(orphaned_tickets(after_shift))
    assert orphans == [open_tickets[2]]
    assert engineer_ticket not in orphans


def test_handed_over_tickets_are_no_longer_orphaned(rota, agents, open_tickets):
    services.handover_perform(
        from_technician=agents["out"],
        to_technician=agents["in"],
        items=[(t, "suite") for t in open_tickets],
        by=agents["out"].user,
    )
    assert list(orphaned_tickets(paris(2026, 3, 10, 15))) == []


def test_orphaned_tickets_cost_two_queries(rota, open_tickets, django_assert_num_queries):
    with django_assert_num_queries(2):
        rows = list(orphaned_tickets(paris(2026, 3, 10, 15)))
        assert [t.client.name for t in rows]  # client already joined


def test_assigning_a_range_skips_existing_days_and_filters_weekdays(rota, agents):
    created = services.shift_assign(
        shift=rota["morning"],
        technician=agents["out"],
        first_day=dt.date(2026, 3, 9),
        last_day=dt.date(2026, 3, 15),
        weekdays={0, 1, 2},
        by=None,
    )
    assert created == 2  # Monday 9 and Wednesday 11; Tuesday 10 was already there
    with pytest.raises(ValidationError):
        services.shift_assign(
            shift=rota["morning"],
            technician=agents["out"],
            first_day=dt.date(2026, 3, 9),
            last_day=dt.date(2026, 3, 1),
            by=None,
        )


# --- screens ----------------------------------------------------------------------------------


def test_the_handover_screen_passes_every_ticket_in_one_post(client, agents, open_tickets):
    client.force_login(agents["out"].user)
    page = client.get(reverse("shifts:handover")).content.decode()
    for ticket in open_tickets:
        assert ticket.reference in page

    data = {"from": agents["out"].pk, "to_technician": agents["in"].pk, "note": "RAS"}
    for ticket in open_tickets:
        data[f"take_{ticket.pk}"] = "on"
        data[f"note_{ticket.pk}"] = f"Note {ticket.reference}"
    response = client.post(reverse("shifts:handover"), data)

    assert response.status_code == 302
    for ticket in open_tickets:
        ticket.refresh_from_db()
        assert ticket.assignee == agents["in"]
        assert ticket.events.filter(body__contains=f"Note {ticket.reference}").exists()


def test_a_missing_note_on_the_screen_changes_nothing(client, agents, open_tickets):
    client.force_login(agents["out"].user)
    data = {"from": agents["out"].pk, "to_technician": agents["in"].pk}
    for ticket in open_tickets:
        data[f"take_{ticket.pk}"] = "on"
        data[f"note_{ticket.pk}"] = "" if ticket == open_tickets[0] else "ok"
    response = client.post(reverse("shifts:handover"), data)

    assert response.status_code == 200
    assert "Une note de relève est obligatoire" in response.content.decode()
    assert all(t.assignee == agents["out"] for t in type(open_tickets[0]).objects.all())


def test_an_unticked_ticket_stays_with_the_outgoing_agent(client, agents, open_tickets):
    client.force_login(agents["out"].user)
    data = {"from": agents["out"].pk, "to_technician": agents["in"].pk}
    data[f"take_{open_tickets[0].pk}"] = "on"
    data[f"note_{open_tickets[0].pk}"] = "à suivre"
    client.post(reverse("shifts:handover"), data)
    owners = {t.pk: t.assignee for t in type(open_tickets[0]).objects.all()}
    assert owners[open_tickets[0].pk] == agents["in"]
    assert owners[open_tickets[1].pk] == agents["out"]


def test_only_a_manager_hands_over_for_someone_else(client, agents, open_tickets):
    url = reverse("shifts:handover")
    client.force_login(agents["in"].user)
    assert client.get(url, {"from": agents["out"].pk}).status_code == 403
    client.force_login(make_manager().user)
    page = client.get(url, {"from": agents["out"].pk}).content.decode()
    assert open_tickets[0].reference in page


def test_shift_screens_refuse_contacts_and_planning_is_for_managers(client, rota, agents):
    assignment = ShiftAssignment.objects.first()
    urls = [
        ("get", reverse("shifts:planning")),
        ("get", reverse("shifts:handover")),
        ("post", reverse("shifts:assign")),
        ("post", reverse("shifts:unassign", args=[assignment.pk])),
    ]
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 302, url
    contact = UserFactory(username="contact")
    ContactFactory(user=contact)
    client.force_login(contact)
    for method, url in urls:
        assert getattr(client, method)(url).status_code == 403, url

    client.force_login(agents["out"].user)
    assert client.get(reverse("shifts:planning")).status_code == 200
    assert client.post(reverse("shifts:assign")).status_code == 403
    assert client.post(reverse("shifts:unassign", args=[assignment.pk])).status_code == 403

    client.force_login(make_manager().user)
    response = client.post(
        reverse("shifts:assign"),
        {
            "shift": rota["night"].pk,
            "technician": agents["in"].pk,
            "first_day": "2026-04-01",
            "last_day": "2026-04-03",
        },
    )
    assert response.status_code == 302
    assert ShiftAssignment.objects.filter(technician=agents["in"], shift=rota["night"]).count() == 3
    client.post(reverse("shifts:unassign", args=[assignment.pk]))
    assert not ShiftAssignment.objects.filter(pk=assignment.pk).exists()


def test_the_planning_page_costs_a_fixed_number_of_queries(
    client, rota, agents, open_tickets, django_assert_max_num_queries
):
    client.force_login(agents["out"].user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("shifts:planning")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("shifts:handover")).status_code == 200


def test_the_orphaned_panel_lists_tickets_left_at_shift_end(rota, agents, open_tickets):
    import time_machine
    from django.template import Context, Template

    template = Template("{% load shift_tags %}{% orphaned_tickets_panel %}")
    with time_machine.travel(paris(2026, 3, 10, 12), tick=False):
        assert template.render(Context()).strip() == ""
    with time_machine.travel(paris(2026, 3, 10, 15), tick=False):
        html = template.render(Context())
    for ticket in open_tickets:
        assert f'data-ticket="{ticket.reference}"' in html
