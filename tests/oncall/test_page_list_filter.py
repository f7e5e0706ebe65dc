"""The pages report's ``outcome`` filter (django-filter): each outcome lists its pages; a bad
value is said on the page and ignored (every page listed), never a 500."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from oncall.models import Page
from tests.factories import make_ticket
from tests.oncall.conftest import paris

SATURDAY_3AM = paris(2026, 10, 3, 3, 0)
INVALID = "Certains filtres sont invalides et ont été ignorés."


@pytest.fixture
def three_pages(rotation, client_24x7, django_capture_on_commit_callbacks):
    pages = []
    for minutes in range(3):
        at = SATURDAY_3AM + dt.timedelta(minutes=minutes)
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(client=client_24x7, urgency="critical")
        pages.append(Page.objects.get(ticket=ticket))
    Page.objects.filter(pk=pages[0].pk).update(intervention_met=True)
    Page.objects.filter(pk=pages[1].pk).update(intervention_met=False)
    return pages


@pytest.mark.parametrize(("outcome", "listed"), [("met", 1), ("missed", 1), ("pending", 1)])
def test_each_outcome_lists_its_pages(client, boss, three_pages, outcome, listed):
    client.force_login(boss.user)
    html = client.get(reverse("oncall:page_list"), {"outcome": outcome}).content.decode()
    assert html.count("data-page=") == listed
    assert INVALID not in html


def test_an_unknown_outcome_is_reported_and_ignored(client, boss, three_pages):
    client.force_login(boss.user)
    response = client.get(reverse("oncall:page_list"), {"outcome": "peut-être"})
    assert response.status_code == 200
    html = response.content.decode()
    assert INVALID in html
    assert html.count("data-page=") == 3
