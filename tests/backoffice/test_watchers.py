"""The "Abonnés" panel of the ticket page, through the web: follow and stop following in one
click, add a colleague or a contact of the ticket's client, remove a watcher; never another
client's contact, never on a finished ticket, never a client contact at the controls."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ContactFactory, ContractFactory, make_ticket
from tickets import services
from tickets.models import EventKind, TicketWatcher

pytestmark = pytest.mark.django_db


def url(name, ticket, *args):
    return reverse(f"backoffice:{name}", args=[ticket.reference, *args])


@pytest.fixture
def ticket(technician):
    return make_ticket(client=ContractFactory().client, assignee=technician)


def panel(body: str) -> str:
    return body.split('id="watchers-panel"', 1)[1].split("</section>", 1)[0]


def watching(ticket) -> set[str]:
    return {
        w.user.username if w.user_id else w.contact.email
        for w in TicketWatcher.objects.filter(ticket=ticket).select_related("user", "contact")
    }


def test_follow_and_stop_following_in_one_click(tech_client, technician, ticket):
    assert "Personne ne suit cette demande." in panel(
        tech_client.get(url("ticket", ticket)).content.decode()
    )

    response = tech_client.post(url("watcher_follow", ticket))
    assert response.status_code == 302
    assert response["Location"] == url("ticket", ticket)
    assert watching(ticket) == {"tech"}
    page = tech_client.get(url("ticket", ticket)).content.decode()
    assert "Vous suivez cette demande." in page
    assert "Ne plus suivre" in panel(page) and str(technician) in panel(page)
    event = ticket.events.get(kind=EventKind.WATCHERS)
    assert (event.actor, event.payload["added"]["user"]) == (technician.user, technician.user_id)

    tech_client.post(url("watcher_unfollow", ticket))
    assert watching(ticket) == set()
    page = tech_client.get(url("ticket", ticket)).content.decode()
    assert ">Suivre</button>" in panel(page)
    assert ticket.events.filter(kind=EventKind.WATCHERS).count() == 2


def test_any_colleague_may_follow_a_ticket_they_do_not_own(client, other_tech, ticket):
    client.force_login(other_tech.user)
    client.post(url("watcher_follow", ticket))
    assert watching(ticket) == {"colleague"}
    ticket.refresh_from_db()
    assert ticket.assignee.user.username == "tech"  # watching changes no ownership


def test_add_a_colleague_and_a_contact_of_the_client_then_remove_one(
    tech_client, other_tech, ticket
):
    contact = ContactFactory(client=ticket.client, first_name="Lise", last_name="Morin")
    form = panel(tech_client.get(url("ticket", ticket)).content.decode())
    assert f'<option value="{contact.pk}">Lise Morin</option>' in form
    assert f'<option value="{other_tech.pk}">{other_tech}</option>' in form

    tech_client.post(url("watcher_add", ticket), {"technician": other_tech.pk})
    tech_client.post(url("watcher_add", ticket), {"contact": contact.pk})
    assert watching(ticket) == {"colleague", contact.email}
    page = panel(tech_client.get(url("ticket", ticket)).content.decode())
    assert "Lise Morin" in page and "contact client" in page and "Paul" in page
    # Someone already watching is no longer offered.
    assert f'<option value="{contact.pk}">Lise Morin</option>' not in page
    assert f'<option value="{other_tech.pk}">{other_tech}</option>' not in page

    watcher = TicketWatcher.objects.get(ticket=ticket, contact=contact)
    response = tech_client.post(url("watcher_remove", ticket, watcher.pk))
    assert response.status_code == 302
    assert watching(ticket) == {"colleague"}
    removed = ticket.events.filter(kind=EventKind.WATCHERS).last()
    assert removed.payload["removed"]["contact"] == contact.pk


def test_a_contact_of_another_client_is_refused_with_a_message(tech_client, ticket):
    stranger = ContactFactory(client=ContractFactory().client)
    response = tech_client.post(url("watcher_add", ticket), {"contact": stranger.pk})
    assert response.status_code == 400
    body = panel(response.content.decode())
    assert 'role="alert"' in body and "Sélectionnez un choix valide" in body
    assert watching(ticket) == set()
    # With htmx the panel comes back with the error (200: htmx swaps only successes).
    response = tech_client.post(
        url("watcher_add", ticket), {"contact": stranger.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert (
        response.content.decode().lstrip().startswith('<section class="card" id="watchers-panel"')
    )
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert watching(ticket) == set()


def test_an_empty_or_double_choice_is_a_form_error(tech_client, other_tech, ticket):
    contact = ContactFactory(client=ticket.client)
    for data in ({}, {"technician": other_tech.pk, "contact": contact.pk}, {"contact": "x"}):
        response = tech_client.post(url("watcher_add", ticket), data)
        assert response.status_code == 400, data
        assert 'role="alert"' in panel(response.content.decode())
    assert watching(ticket) == set()


def test_htmx_follow_returns_the_panel_alone(tech_client, ticket):
    response = tech_client.post(url("watcher_follow", ticket), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section class="card" id="watchers-panel"')
    assert "<html" not in body
    assert "Vous suivez cette demande." in body and "Ne plus suivre" in body
    assert 'hx-post="' + url("watcher_unfollow", ticket) + '"' in body


def test_a_closed_ticket_shows_its_watchers_read_only_and_refuses_changes(
    tech_client, technician, other_tech, ticket
):
    services.ticket_watcher_add(ticket=ticket, by=technician.user, user=other_tech.user)
    services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    services.ticket_resolve(ticket=ticket, by=technician.user, note="Corrigé.")
    # Resolved: still open to watchers.
    assert ">Suivre</button>" in panel(tech_client.get(url("ticket", ticket)).content.decode())
    services.ticket_close(ticket=ticket, by=technician.user, synthesis="Réglé")
    body = panel(tech_client.get(url("ticket", ticket)).content.decode())
    assert "Paul" in body
    assert "<form" not in body
    watcher = TicketWatcher.objects.get(ticket=ticket)
    for post in (
        (url("watcher_follow", ticket), {}),
        (url("watcher_add", ticket), {"technician": technician.pk}),
        (url("watcher_remove", ticket, watcher.pk), {}),
    ):
        response = tech_client.post(*post, follow=True)
        assert "ne peuvent plus changer" in response.content.decode()
    assert watching(ticket) == {"colleague"}


def test_a_watcher_of_another_ticket_cannot_be_removed_through_this_one(tech_client, ticket):
    other = make_ticket()
    watcher = services.ticket_watcher_add(
        ticket=other, by=None, contact=ContactFactory(client=other.client)
    )
    assert tech_client.post(url("watcher_remove", ticket, watcher.pk)).status_code == 404
    assert TicketWatcher.objects.filter(pk=watcher.pk).exists()


def test_client_contacts_and_forged_posts_change_nothing(client, contact_user, ticket):
    client.force_login(contact_user)
    assert client.post(url("watcher_follow", ticket)).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ticket.assignee.user)
    assert strict.post(url("watcher_follow", ticket)).status_code == 403
    assert strict.get(url("watcher_follow", ticket)).status_code == 405
    assert watching(ticket) == set()
