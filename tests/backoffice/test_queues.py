"""Queues: "Mes demandes" and "File d'équipe", filters, order, pagination, live refresh."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from sla.policy import Urgency
from tests.factories import ClientFactory, ContractFactory, make_ticket
from tickets import services
from tickets.models import State

from .conftest import MONDAY_9

pytestmark = pytest.mark.django_db

TEAM = reverse("backoffice:team_queue")


def refs(response):
    return [t.reference for t in response.context["rows"]]


def test_my_queue_lists_only_my_active_tickets(tech_client, technician, other_tech):
    mine = make_ticket(assignee=technician)
    resolved = make_ticket(assignee=technician)
    services.ticket_take_in_charge(ticket=resolved, by=technician.user)
    services.ticket_resolve(ticket=resolved, by=technician.user, note="Corrigé.")
    closed = make_ticket(assignee=technician)
    services.ticket_cancel(ticket=closed, by=technician.user, reason="Doublon")
    make_ticket(assignee=other_tech)
    make_ticket()
    response = tech_client.get(reverse("home"))
    assert response.status_code == 200
    assert sorted(refs(response)) == sorted([mine.reference, resolved.reference])


def test_the_team_queue_lists_every_open_ticket_running_clocks_first_by_deadline(
    tech_client, technician
):
    with time_machine.travel(MONDAY_9, tick=False):
        slow = make_ticket(urgency=Urgency.NON_BLOCKING)
        fast = make_ticket(urgency=Urgency.CRITICAL)
        taken = make_ticket(urgency=Urgency.CRITICAL, assignee=technician)
        services.ticket_take_in_charge(ticket=taken, by=technician.user)
        response = tech_client.get(TEAM)
    assert refs(response) == [fast.reference, slow.reference, taken.reference]


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"urgency": "critical"}, {"critical"}),
        ({"state": "assigned"}, {"assigned_one"}),
        ({"assignee": "none"}, {"critical", "other_client", "at_risk"}),
        ({"assignee": "me"}, {"assigned_one"}),
        ({"sla": "at_risk"}, {"at_risk"}),
        ({"sla": "breached"}, {"critical"}),
    ],
)
def test_team_queue_filters(tech_client, technician, params, expected):
    contract = ContractFactory()
    with time_machine.travel(MONDAY_9, tick=False):
        tickets = {
            "critical": make_ticket(client=contract.client, urgency=Urgency.CRITICAL),
            "assigned_one": make_ticket(client=contract.client, assignee=technician),
            "other_client": make_ticket(client=ClientFactory()),
        }
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=1, minutes=10), tick=False):
        # A 1 h critical GTI is breached by now; this 8 h one is not yet at risk...
        tickets["at_risk"] = make_ticket(client=contract.client, urgency=Urgency.VERY_BLOCKING)
    # ...until 3 h of its 4 h are consumed (10:10-12:30, then 14:00-14:45 after lunch).
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=5, minutes=45), tick=False):
        response = tech_client.get(TEAM, params)
    names = {name for name, t in tickets.items() if t.reference in refs(response)}
    assert names == expected


def test_filter_by_client(tech_client):
    a, b = make_ticket(), make_ticket()
    response = tech_client.get(TEAM, {"client": a.client_id})
    assert refs(response) == [a.reference]
    assert b.reference not in refs(response)


def test_an_invalid_filter_is_reported_and_ignored(tech_client):
    ticket = make_ticket()
    response = tech_client.get(TEAM, {"client": 999999, "urgency": "apocalyptic"})
    assert response.status_code == 200
    assert "Certains filtres sont invalides" in response.content.decode()
    assert refs(response) == [ticket.reference]


def test_pagination_keeps_the_filters(tech_client):
    for _ in range(30):
        make_ticket(urgency=Urgency.CRITICAL)
    response = tech_client.get(TEAM, {"urgency": "critical"})
    assert len(refs(response)) == 25
    body = response.content.decode()
    after = re.search(r'href="\?urgency=critical&amp;after=([\w-]+)" rel="next"', body).group(1)
    second = tech_client.get(TEAM, {"urgency": "critical", "after": after})
    assert len(refs(second)) == 5
    assert not set(refs(second)) & set(refs(response))


def test_the_remaining_time_is_open_time_and_frozen_while_closed(tech_client):
    friday_17h30 = dt.datetime(2026, 3, 6, 17, 30, tzinfo=MONDAY_9.tzinfo)
    with time_machine.travel(friday_17h30, tick=False):
        make_ticket(urgency=Urgency.SLIGHTLY_BLOCKING)
    # Saturday: 30 min consumed on Friday, 7 h 30 left, and the clock is suspended.
    with time_machine.travel(friday_17h30 + dt.timedelta(days=1), tick=False):
        body = tech_client.get(TEAM).content.decode()
    assert 'data-remaining="27000"' in body
    assert 'data-ticking="0"' in body
    assert "7 h 30" in body and "suspendu" in body


def test_while_open_the_countdown_may_only_run_until_the_window_closes(tech_client):
    with time_machine.travel(MONDAY_9, tick=False):
        make_ticket(urgency=Urgency.SLIGHTLY_BLOCKING)
        body = tech_client.get(TEAM).content.decode()
    # 8 h left; the morning window closes at 12:30, 3 h 30 from now.
    assert 'data-remaining="28800"' in body
    assert 'data-ticking="12600"' in body


def test_htmx_polling_gets_only_the_rows(tech_client):
    make_ticket()
    response = tech_client.get(TEAM, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="queue-rows")
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="queue-rows"')
    assert "<html" not in body


@pytest.mark.parametrize("url", [reverse("home"), TEAM])
def test_queue_query_count_does_not_grow_with_rows(
    tech_client, technician, url, django_assert_num_queries
):
    make_ticket(assignee=technician)
    tech_client.get(url)  # warm the session
    with django_assert_num_queries(8) as few:
        tech_client.get(url)
    for _ in range(20):
        make_ticket(assignee=technician, client=ContractFactory().client)
    with django_assert_num_queries(len(few.captured_queries)):
        response = tech_client.get(url)
    assert len(response.context["rows"]) == 21


def test_counters_link_to_at_risk_and_breached(tech_client):
    with time_machine.travel(MONDAY_9, tick=False):
        make_ticket(urgency=Urgency.CRITICAL)
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=2), tick=False):
        response = tech_client.get(TEAM)
    assert response.context["counters"] == {
        "active": 1,
        "at_risk": 0,
        "breached": 1,
        "awaiting": 0,
    }
    assert State.NEW in [t.state for t in response.context["rows"]]


@pytest.mark.parametrize("url", [reverse("home"), TEAM])
def test_every_counter_counts_exactly_the_rows_its_link_lists(
    tech_client, technician, url, django_capture_on_commit_callbacks
):
    """Resolved tickets are listed by default (waiting to be closed) and a resolved ticket whose
    GTI was missed is listed under "dépassées": the counters follow the same scope."""
    with time_machine.travel(MONDAY_9, tick=False):
        late_new = make_ticket(urgency=Urgency.CRITICAL, assignee=technician)
        late_resolved = make_ticket(urgency=Urgency.CRITICAL, assignee=technician)
        risky = make_ticket(urgency=Urgency.VERY_BLOCKING, assignee=technician)
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=2), tick=False):
        services.ticket_take_in_charge(ticket=late_resolved, by=technician.user)
        services.ticket_resolve(ticket=late_resolved, by=technician.user, note="Fait.")
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=3, minutes=30), tick=False):
        counters = tech_client.get(url).context["counters"]
        listed = {
            "active": tech_client.get(url),
            "at_risk": tech_client.get(url, {"sla": "at_risk"}),
            "breached": tech_client.get(url, {"sla": "breached"}),
            "awaiting": tech_client.get(url, {"awaiting": "on"}),
        }
    for name, response in listed.items():
        assert counters[name] == len(response.context["rows"]), name
    assert counters["breached"] == 2 and counters["at_risk"] == 1 and counters["active"] == 3
    assert late_new.pk and risky.pk


@pytest.fixture
def shared_counters(settings):
    from django.core.cache import cache

    cache.clear()
    settings.QUEUE_COUNTERS_SECONDS = 10
    settings.QUEUE_COUNTERS_SHARED_FROM = 3  # a "large" queue of three tickets
    yield settings
    cache.clear()


def test_a_large_queue_shows_counters_at_most_queue_counters_seconds_old(
    tech_client, shared_counters
):
    with time_machine.travel(MONDAY_9, tick=False):
        for _ in range(3):
            make_ticket()
        assert tech_client.get(TEAM).context["counters"]["active"] == 3
        added = make_ticket()
        response = tech_client.get(TEAM)
    # The rows are read fresh; the counters are the ones counted a moment ago.
    assert added.reference in refs(response)
    assert response.context["counters"]["active"] == 3
    assert "3 demandes en cours" in response.content.decode()
    with time_machine.travel(MONDAY_9 + dt.timedelta(seconds=11), tick=False):
        assert tech_client.get(TEAM).context["counters"]["active"] == 4


def test_a_small_queue_is_counted_at_every_request(
    tech_client, technician, other_tech, shared_counters
):
    """Two tickets in my queue, three in the team's (shared): mine move at once."""
    with time_machine.travel(MONDAY_9, tick=False):
        make_ticket(assignee=technician)
        make_ticket(assignee=other_tech)
        make_ticket(assignee=other_tech)
        assert tech_client.get(reverse("home")).context["counters"]["active"] == 1
        make_ticket(assignee=technician)
        assert tech_client.get(reverse("home")).context["counters"]["active"] == 2


def test_each_technicians_queue_has_its_own_shared_counters(
    client, technician, other_tech, shared_counters
):
    with time_machine.travel(MONDAY_9, tick=False):
        for _ in range(3):
            make_ticket(assignee=technician)
        for _ in range(4):
            make_ticket(assignee=other_tech)
        counts = []
        for tech in (technician, other_tech):
            client.force_login(tech.user)
            counts.append(client.get(reverse("home")).context["counters"]["active"])
    assert counts == [3, 4]


def test_counters_are_never_shared_when_queue_counters_seconds_is_0(tech_client, shared_counters):
    shared_counters.QUEUE_COUNTERS_SECONDS = 0
    with time_machine.travel(MONDAY_9, tick=False):
        for _ in range(3):
            make_ticket()
        tech_client.get(TEAM)
        make_ticket()
        assert tech_client.get(TEAM).context["counters"]["active"] == 4
