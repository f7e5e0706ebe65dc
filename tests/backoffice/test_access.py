"""Who reaches the back-office: staff only; dispatch for the manager and deputy only."""

import pytest
from django.urls import reverse

from tests.factories import make_manager, make_ticket
from tickets.attachments import attachment_add
from tickets.models import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(client_org):
    return make_ticket(client=client_org)


@pytest.fixture
def every_url(ticket):
    """(method, url) of every back-office endpoint but home."""
    attachment = attachment_add(ticket=ticket, name="note.txt", content=b"hello")
    ref = ticket.reference
    return [
        ("get", reverse("backoffice:team_queue")),
        ("get", reverse("backoffice:search") + "?q=imprimante"),
        ("get", reverse("backoffice:ticket_new")),
        ("post", reverse("backoffice:ticket_new")),
        ("get", reverse("backoffice:client_search") + "?q=client"),
        ("get", reverse("backoffice:client_fields") + f"?client={ticket.client_id}"),
        ("get", reverse("backoffice:gti_preview") + f"?client={ticket.client_id}&urgency=critical"),
        ("get", reverse("backoffice:ticket", args=[ref])),
        ("get", reverse("backoffice:ticket_sla", args=[ref])),
        ("post", reverse("backoffice:ticket_action", args=[ref, "take_in_charge"])),
        ("post", reverse("backoffice:ticket_entry", args=[ref])),
        ("post", reverse("backoffice:ticket_attach", args=[ref])),
        ("get", reverse("backoffice:attachment", args=[attachment.pk])),
        ("get", reverse("backoffice:dispatch")),
        ("post", reverse("backoffice:dispatch_assign")),
        ("post", reverse("backoffice:dispatch_bulk")),
    ]


MANAGER_ONLY = {"dispatch", "dispatch_assign", "dispatch_bulk"}


def test_a_client_contact_gets_403_on_every_back_office_url(
    client, contact_user, every_url, ticket
):
    client.force_login(contact_user)
    for method, url in every_url:
        response = getattr(client, method)(url, {"body": "x", "ticket": ticket.reference})
        assert response.status_code == 403, (method, url)
    ticket.refresh_from_db()
    assert ticket.state == State.NEW
    assert ticket.events.count() == 1


def test_a_client_contact_landing_on_home_is_sent_to_the_extranet(client, contact_user):
    client.force_login(contact_user)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == "/extranet/"


def test_anonymous_visitors_are_sent_to_the_login_page(client, every_url):
    for method, url in [("get", reverse("home")), *every_url]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("login")), (method, url)


def test_technicians_reach_every_page_but_the_dispatch_screen(tech_client, every_url):
    for method, url in every_url:
        response = getattr(tech_client, method)(url)
        name = url.strip("/").split("/")[0]
        if name == "dispatch":
            assert response.status_code == 403, url
        else:
            assert response.status_code in (200, 302, 400), (method, url)


@pytest.mark.parametrize("deputy", [False, True])
def test_the_manager_and_the_deputy_reach_the_dispatch_screen(client, deputy):
    boss = make_manager("boss", deputy=deputy)
    client.force_login(boss.user)
    assert client.get(reverse("backoffice:dispatch")).status_code == 200


def test_the_dispatch_link_is_shown_to_managers_only(tech_client, client, manager):
    dispatch = reverse("backoffice:dispatch")
    assert dispatch not in tech_client.get(reverse("home")).content.decode()
    client.force_login(manager.user)
    assert dispatch in client.get(reverse("home")).content.decode()
