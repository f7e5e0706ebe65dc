"""Unread client activity in every ticket list, the "last client activity" column, and the
"awaiting our answer" filter: the client speaks, the rows say so until the viewer opens it."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from extranet.services import comment_add, request_create
from sla.policy import Urgency
from tests.factories import ContactFactory, ContractFactory, UserFactory, make_ticket
from tickets import services

from .conftest import MONDAY_9

pytestmark = pytest.mark.django_db

HOME = reverse("home")
TEAM = reverse("backoffice:team_queue")
SEARCH = reverse("backoffice:search")
DISPATCH = reverse("backoffice:dispatch")
MARKER = "Nouvelle activité du client"


@pytest.fixture
def contact(db):
    return ContactFactory(client=ContractFactory().client, user=UserFactory(username="client-c"))


def row(body: str, reference: str) -> str:
    """The table row whose first cell links to ``reference``."""
    for chunk in body.split("<tr")[1:]:
        first_cell = chunk.split("</td>", 1)[0]
        if f">{reference}</a>" in first_cell:
            return chunk.split("</tr>", 1)[0]
    raise AssertionError(f"no row for {reference}")


def unread(response) -> dict[str, bool]:
    return {t.reference: t.unread_activity for t in response.context["rows"]}


def test_a_client_comment_marks_the_row_in_every_list_until_the_viewer_opens_it(
    tech_client, technician, contact, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the search index follows commits
        ticket = make_ticket(client=contact.client, contact=contact, assignee=technician)
        quiet = make_ticket(client=contact.client, assignee=technician, title="Sans nouvelles")
    with time_machine.travel(MONDAY_9, tick=False):
        comment_add(contact=contact, ticket=ticket, body="Toujours en panne ce matin")
    for url, params in ((HOME, {}), (TEAM, {}), (SEARCH, {"q": "imprimante"})):
        response = tech_client.get(url, params)
        assert unread(response)[ticket.reference] is True, url
        line = row(response.content.decode(), ticket.reference)
        assert MARKER in line  # visible to screen readers and as a tooltip, not colour only
        assert 'class="sr-only">Nouvelle activité du client' in line
        assert "lun 02/03 09:00" in line  # the "Dernière activité client" column, Paris time
    assert "Dernière activité client" in tech_client.get(TEAM).content.decode()
    assert MARKER not in row(tech_client.get(TEAM).content.decode(), quiet.reference)

    assert tech_client.get(reverse("backoffice:ticket", args=[ticket.reference])).status_code == 200
    response = tech_client.get(HOME)
    assert unread(response)[ticket.reference] is False
    assert MARKER not in row(response.content.decode(), ticket.reference)


def test_opening_clears_the_marker_for_that_viewer_only(
    tech_client, client, technician, other_tech, contact
):
    ticket = make_ticket(client=contact.client, contact=contact, assignee=technician)
    comment_add(contact=contact, ticket=ticket, body="Une précision")
    tech_client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    assert unread(tech_client.get(TEAM))[ticket.reference] is False
    client.force_login(other_tech.user)
    assert unread(client.get(TEAM))[ticket.reference] is True


def test_new_client_activity_after_the_visit_marks_the_row_again(tech_client, technician, contact):
    ticket = make_ticket(client=contact.client, contact=contact, assignee=technician)
    with time_machine.travel(MONDAY_9, tick=False):
        comment_add(contact=contact, ticket=ticket, body="Premier message")
        tech_client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=5), tick=False):
        assert unread(tech_client.get(HOME))[ticket.reference] is False
        comment_add(contact=contact, ticket=ticket, body="Second message")
        assert unread(tech_client.get(HOME))[ticket.reference] is True


def test_opening_a_ticket_writes_only_when_there_is_activity_to_mark_read(
    tech_client, technician, contact
):
    ticket = make_ticket(client=contact.client, contact=contact, assignee=technician)
    page = reverse("backoffice:ticket", args=[ticket.reference])

    def writes() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert tech_client.get(page).status_code == 200
        return [
            q["sql"] for q in captured if "tickets_ticketseen" in q["sql"] and "INSERT" in q["sql"]
        ]

    assert writes() == []  # no client activity: nothing to mark read
    with time_machine.travel(MONDAY_9, tick=False):
        comment_add(contact=contact, ticket=ticket, body="Une question")
        assert len(writes()) == 1
        assert writes() == []  # already read: the page view stays a read
        assert unread(tech_client.get(HOME))[ticket.reference] is False
    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=5), tick=False):
        comment_add(contact=contact, ticket=ticket, body="Une autre")
        assert unread(tech_client.get(HOME))[ticket.reference] is True
        assert len(writes()) == 1
        assert unread(tech_client.get(HOME))[ticket.reference] is False


def test_a_request_opened_by_the_client_is_unread_until_opened_and_staff_notes_are_not_activity(
    tech_client, technician, contact
):
    by_client = request_create(
        contact=contact, title="Écran noir", description="", urgency=Urgency.NON_BLOCKING, site=None
    )
    by_phone = make_ticket(client=contact.client, assignee=technician)
    services.ticket_add_entry(ticket=by_phone, by=technician.user, body="Vu", public=False)
    services.ticket_add_entry(ticket=by_phone, by=technician.user, body="Fait", public=True)
    response = tech_client.get(TEAM)
    assert unread(response) == {by_client.reference: True, by_phone.reference: False}
    assert "—" in row(response.content.decode(), by_phone.reference).rsplit("<td>", 1)[1]


def test_the_dispatch_list_marks_tickets_with_unread_client_activity(manager_client, contact):
    ticket = make_ticket(client=contact.client, contact=contact)
    comment_add(contact=contact, ticket=ticket, body="Personne ne m'a rappelé")
    body = manager_client.get(DISPATCH).content.decode()
    card = body.split(f'id="d-{ticket.reference}"', 1)[1].split("</li>", 1)[0]
    assert MARKER in card
    manager_client.get(reverse("backoffice:ticket", args=[ticket.reference]))
    body = manager_client.get(DISPATCH).content.decode()
    card = body.split(f'id="d-{ticket.reference}"', 1)[1].split("</li>", 1)[0]
    assert MARKER not in card


def awaiting(client) -> set[str]:
    return {t.reference for t in client.get(TEAM, {"awaiting": "on"}).context["rows"]}


def test_awaiting_our_answer_follows_who_spoke_last(tech_client, technician, contact):
    ticket = make_ticket(client=contact.client, contact=contact, assignee=technician)
    make_ticket(client=contact.client, assignee=technician, title="Jamais commentée")
    services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    assert awaiting(tech_client) == set()

    with time_machine.travel(MONDAY_9, tick=False):
        comment_add(contact=contact, ticket=ticket, body="Ça recommence")
    assert awaiting(tech_client) == {ticket.reference}
    assert tech_client.get(TEAM).context["counters"]["awaiting"] == 1
    assert tech_client.get(HOME).context["counters"]["awaiting"] == 1

    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=10), tick=False):
        services.ticket_add_entry(ticket=ticket, by=technician.user, body="À voir", public=False)
    assert awaiting(tech_client) == {ticket.reference}  # an internal note is no answer

    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=20), tick=False):
        services.ticket_add_entry(
            ticket=ticket, by=technician.user, body="Je vous rappelle à 10 h", public=True
        )
    assert awaiting(tech_client) == set()
    assert tech_client.get(TEAM).context["counters"]["awaiting"] == 0

    with time_machine.travel(MONDAY_9 + dt.timedelta(minutes=30), tick=False):
        comment_add(contact=contact, ticket=ticket, body="Merci, j'attends")
    assert awaiting(tech_client) == {ticket.reference}


def test_the_awaiting_counter_links_to_the_filter(tech_client, technician, contact):
    ticket = make_ticket(client=contact.client, contact=contact, assignee=technician)
    comment_add(contact=contact, ticket=ticket, body="Des nouvelles ?")
    body = tech_client.get(TEAM).content.decode()
    link = re.search(r'<a class="awaiting" href="([^"]+)">([^<]+)</a>', body)
    assert link.group(2) == "1 en attente de notre réponse"
    assert awaiting(tech_client) == {
        t.reference for t in tech_client.get(TEAM + link.group(1)).context["rows"]
    }
    assert 'name="awaiting"' in body  # the filter is in the form too
