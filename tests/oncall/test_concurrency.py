"""Real races on PostgreSQL (CI): sweepers and workers in threads send each step once."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import connection

from oncall.models import AckVia, Page, PageAttempt, PageState
from oncall.services import paging
from oncall.triggers import page_raise_for_event
from tests.factories import make_ticket
from tests.oncall.conftest import paris
from tests.support import run_in_threads

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (CI runs it)"
    ),
]

SATURDAY_3AM = paris(2026, 10, 3, 3, 0)


def page_emails():
    return [m for m in mail.outbox if "X-Oceanis-Page" in m.extra_headers]


def test_four_sweepers_at_the_same_minute_send_the_repage_once(rotation, client_24x7):
    with time_machine.travel(SATURDAY_3AM, tick=False):
        make_ticket(client=client_24x7, urgency="critical")  # committed: hooks ran, alice paged
    assert len(page_emails()) == 1
    due = SATURDAY_3AM + dt.timedelta(minutes=10)
    with time_machine.travel(due, tick=False):
        results = run_in_threads(4, lambda i: paging.sweep(now=due)["sent"])
    assert sorted(value for _, value in results) == [0, 0, 0, 1]
    assert len(page_emails()) == 2
    assert PageAttempt.objects.filter(step=1).count() == 1


def test_two_workers_raising_the_same_alarm_make_one_page(rotation, client_24x7):
    with time_machine.travel(SATURDAY_3AM, tick=False):
        ticket = make_ticket(client=client_24x7, urgency="critical")
    Page.objects.all().delete()
    event = ticket.events.get(kind="created")
    with time_machine.travel(SATURDAY_3AM, tick=False):
        results = run_in_threads(3, lambda i: page_raise_for_event(event))
    assert [kind for kind, _ in results] == ["ok"] * 3
    assert sum(value is not None for _, value in results) <= 1
    assert Page.objects.filter(ticket=ticket).count() == 1


def test_two_people_acknowledging_at_once_make_one_owner(rotation, client_24x7):
    with time_machine.travel(SATURDAY_3AM, tick=False):
        ticket = make_ticket(client=client_24x7, urgency="critical")
    page = Page.objects.get(ticket=ticket)
    people = [page.target.user, page.backup.user]
    results = run_in_threads(
        2,
        lambda i: (
            paging.page_acknowledge(
                page=Page.objects.get(pk=page.pk), by=people[i], via=AckVia.LINK
            ).acknowledged_now
        ),
    )
    assert sorted(value for _, value in results) == [False, True]
    page.refresh_from_db()
    ticket.refresh_from_db()
    assert page.state == PageState.ACKNOWLEDGED
    assert ticket.assignee.user == page.acknowledged_by
