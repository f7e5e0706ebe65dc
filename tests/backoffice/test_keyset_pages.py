"""Keyset pages (issue 23): the queues and the dispatch list page on their sort key; following
"Suivante" then "Précédente" walks every row exactly once, in the order of one long page."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.urls import reverse

from sla.policy import Urgency
from tests.factories import make_ticket
from tickets import services
from tickets.models import Ticket

from .conftest import MONDAY_9

pytestmark = pytest.mark.django_db

TEAM = reverse("backoffice:team_queue")
URGENCIES = [Urgency.CRITICAL, Urgency.VERY_BLOCKING, Urgency.SLIGHTLY_BLOCKING]


def refs(response):
    return [t.reference for t in response.context["rows"]]


def link(response, rel):
    found = re.search(rf'href="\?([^"]*)" rel="{rel}"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


def walk(client, url, params, rel="next"):
    """Every page from the first one, following ``rel`` links: [(refs, response)]."""
    pages = [client.get(url, params)]
    while query := link(pages[-1], rel):
        pages.append(client.get(f"{url}?{query}"))
        assert len(pages) < 50
    return pages


@pytest.fixture
def busy_queue(technician):
    """17 active tickets with ties on every sort key but the primary key: several created at
    the same instant with the same urgency (same deadline), some taken in charge."""
    tickets = []
    with time_machine.travel(MONDAY_9, tick=False):
        for n in range(12):
            tickets.append(make_ticket(urgency=URGENCIES[n % 3]))
    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=20), tick=False):
        for n in range(5):
            ticket = make_ticket(urgency=URGENCIES[n % 2], assignee=technician)
            if n % 2:
                services.ticket_take_in_charge(ticket=ticket, by=technician.user)
            tickets.append(ticket)
    return tickets


@pytest.mark.parametrize("sort", ["deadline", "-created", "created", "urgency"])
def test_next_then_previous_links_walk_the_queue_once_in_its_order(
    tech_client, busy_queue, monkeypatch, sort
):
    from backoffice.views import queues

    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=2), tick=False):
        whole = refs(tech_client.get(TEAM, {"sort": sort}))
        assert len(whole) == len(busy_queue)
        monkeypatch.setattr(queues, "PAGE_SIZE", 5)
        forward = walk(tech_client, TEAM, {"sort": sort})
        assert [len(refs(p)) for p in forward] == [5, 5, 5, 2]
        assert [r for page in forward for r in refs(page)] == whole
        assert link(forward[0], "prev") is None and link(forward[-1], "next") is None
        # Back from the last page: the same pages, in reverse, each keeping the sort.
        back = [forward[-1]]
        while query := link(back[-1], "prev"):
            assert f"sort={sort}" in query
            back.append(tech_client.get(f"{TEAM}?{query}"))
        assert [refs(p) for p in reversed(back)] == [refs(p) for p in forward]


def test_a_filter_is_kept_by_the_page_links(tech_client, monkeypatch):
    from backoffice.views import queues

    for _ in range(7):
        make_ticket(urgency=Urgency.CRITICAL)
    make_ticket(urgency=Urgency.NON_BLOCKING)
    monkeypatch.setattr(queues, "PAGE_SIZE", 5)
    pages = walk(tech_client, TEAM, {"urgency": "critical"})
    assert [len(refs(p)) for p in pages] == [5, 2]
    assert link(pages[0], "next").startswith("urgency=critical&after=")


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJ4Il0", "%00%FF", "WzEsMiwzLDRd"])
def test_a_malformed_cursor_shows_the_first_page(tech_client, cursor):
    ticket = make_ticket()
    for param in ("after", "before"):
        response = tech_client.get(f"{TEAM}?{param}={cursor}")
        assert response.status_code == 200
        assert refs(response) == [ticket.reference]


def test_the_dispatch_list_pages_on_its_deadline_and_counts_every_ticket(
    manager_client, monkeypatch
):
    from backoffice.views import dispatch

    with time_machine.travel(MONDAY_9, tick=False):
        tickets = [make_ticket(urgency=URGENCIES[n % 3]) for n in range(9)]
        monkeypatch.setattr(dispatch, "PAGE_SIZE", 4)
        url = reverse("backoffice:dispatch")
        pages = walk(manager_client, url, {})
        listed = [row["ticket"].reference for p in pages for row in p.context["rows"]]
        assert [len(p.context["rows"]) for p in pages] == [4, 4, 1]
        assert sorted(listed) == sorted(t.reference for t in tickets)
        assert len(set(listed)) == 9
        deadlines = [row["ticket"].gti_deadline for p in pages for row in p.context["rows"]]
        assert deadlines == sorted(deadlines)
        assert all("À arbitrer (9)" in p.content.decode() for p in pages)
        # The live refresh of a later page asks for that same page.
        second = pages[1].content.decode()
        assert f'hx-get="{url}?after=' in second


@pytest.fixture
def queue_without_deadlines(technician):
    """13 active tickets, 7 of them without a GTI deadline (e.g. imported without a contract's
    rule): some running, some taken in charge, several created at the same instant."""
    tickets = []
    with time_machine.travel(MONDAY_9, tick=False):
        for n in range(13):
            tickets.append(make_ticket(urgency=URGENCIES[n % 3]))
    for ticket in tickets[1::3]:
        services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    without = [t.pk for n, t in enumerate(tickets) if n % 2 == 0]
    Ticket.objects.filter(pk__in=without).update(
        gti_deadline=None, gti_risk_at=None, gti_duration=None, gti_basis=""
    )
    return tickets


@pytest.mark.parametrize("sort", ["deadline", "urgency"])
def test_tickets_without_deadline_are_reached_forward_and_backward(
    tech_client, queue_without_deadlines, monkeypatch, sort
):
    from backoffice.views import queues

    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=2), tick=False):
        whole = refs(tech_client.get(TEAM, {"sort": sort}))
        assert sorted(whole) == sorted(t.reference for t in queue_without_deadlines)
        monkeypatch.setattr(queues, "PAGE_SIZE", 3)
        forward = walk(tech_client, TEAM, {"sort": sort})
        assert [r for page in forward for r in refs(page)] == whole
        assert [len(refs(p)) for p in forward] == [3, 3, 3, 3, 1]
        back = [forward[-1]]
        while query := link(back[-1], "prev"):
            back.append(tech_client.get(f"{TEAM}?{query}"))
        assert [refs(p) for p in reversed(back)] == [refs(p) for p in forward]
        # Without a deadline, a ticket comes after those with one of the same rank.
        rows = [Ticket.objects.get(reference=r) for r in whole]
        running = [t.gti_deadline for t in rows if t.state in ("new", "assigned")]
        if sort == "deadline":
            assert running.index(None) == len([d for d in running if d is not None])


def test_the_dispatch_list_reaches_tickets_without_deadline(manager_client, monkeypatch):
    from backoffice.views import dispatch

    with time_machine.travel(MONDAY_9, tick=False):
        tickets = [make_ticket(urgency=URGENCIES[n % 3]) for n in range(7)]
    Ticket.objects.filter(pk__in=[t.pk for t in tickets[::2]]).update(
        gti_deadline=None, gti_risk_at=None, gti_duration=None, gti_basis=""
    )
    monkeypatch.setattr(dispatch, "PAGE_SIZE", 2)
    url = reverse("backoffice:dispatch")
    with time_machine.travel(MONDAY_9 + dt.timedelta(hours=1), tick=False):
        forward = walk(manager_client, url, {})
        listed = [row["ticket"].reference for p in forward for row in p.context["rows"]]
        assert sorted(listed) == sorted(t.reference for t in tickets)
        back = [forward[-1]]
        while query := link(back[-1], "prev"):
            back.append(manager_client.get(f"{url}?{query}"))
        assert [[r["ticket"].reference for r in p.context["rows"]] for p in reversed(back)] == [
            [r["ticket"].reference for r in p.context["rows"]] for p in forward
        ]
