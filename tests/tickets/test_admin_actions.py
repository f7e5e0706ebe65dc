"""The ticket admin changes tickets only through the services: each action writes its event,
a refused action is an admin message (never a 500), and nothing is deleted there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sla.policy import Urgency
from tests.factories import ContactFactory, ContractFactory, SiteFactory, make_ticket
from tickets import services
from tickets.models import EventKind, State, Ticket

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:tickets_ticket_changelist"


def _act(client, action, tickets, **fields):
    """Submit an action's form page (``apply``) as the changelist does, following redirects."""
    data = {
        "action": action,
        "_selected_action": [t.pk for t in tickets],
        **({"apply": "1"} if fields else {}),
        **{f"svc-{name}": value for name, value in fields.items()},
    }
    return client.post(reverse(CHANGELIST), data, follow=True)


def _kinds(ticket) -> list[str]:
    return list(ticket.events.order_by("pk").values_list("kind", flat=True))


@pytest.fixture
def ticket(client_org):
    return make_ticket(client=client_org)


def test_assigning_from_the_admin_writes_the_assignment_event(
    admin_client, admin_user, ticket, technician
):
    response = _act(admin_client, "assign", [ticket], technician=technician.pk, note="renfort")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.assignee == technician and ticket.state == State.ASSIGNED
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert event.actor == admin_user and event.body == "renfort"
    assert "1 élément traité" in response.content.decode()


def test_an_action_with_input_shows_its_form_first_and_changes_nothing(admin_client, ticket):
    response = _act(admin_client, "assign", [ticket])
    content = response.content.decode()
    assert response.status_code == 200 and 'name="svc-technician"' in content
    assert ticket.reference in content
    assert _kinds(ticket) == [EventKind.CREATED]


def test_a_missing_reason_is_a_form_error_not_a_change(admin_client, ticket):
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "cancel", "_selected_action": [ticket.pk], "apply": "1", "svc-note": ""},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == State.NEW and _kinds(ticket) == [EventKind.CREATED]


def test_cancelling_with_a_reason_goes_through_the_lifecycle(admin_client, ticket):
    _act(admin_client, "cancel", [ticket], note="Doublon de OC-1")
    ticket.refresh_from_db()
    assert ticket.state == State.CANCELLED
    event = ticket.events.get(kind=EventKind.TRANSITION)
    assert event.body == "Doublon de OC-1" and event.payload["action"] == "cancel"


def test_a_transition_the_state_refuses_is_an_error_message_per_ticket(
    admin_client, ticket, technician
):
    services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    fresh = make_ticket(client=ticket.client)
    response = _act(admin_client, "cancel", [ticket, fresh], note="erreur")
    content = response.content.decode()
    assert response.status_code == 200
    assert ticket.reference in content and "impossible" in content
    assert "1 élément traité" in content
    ticket.refresh_from_db()
    fresh.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS and fresh.state == State.CANCELLED


def test_changing_the_urgency_recomputes_the_deadline_and_logs_it(admin_client, ticket):
    before = ticket.gti_deadline
    _act(admin_client, "change_urgency", [ticket], urgency=Urgency.CRITICAL, note="")
    ticket.refresh_from_db()
    assert ticket.urgency == Urgency.CRITICAL and ticket.gti_deadline < before
    assert ticket.events.filter(kind=EventKind.URGENCY).count() == 1


def test_requalifying_offers_contact_and_site_of_the_single_client(admin_client, ticket):
    site = SiteFactory(client=ticket.client)
    other_site = SiteFactory()
    page = _act(admin_client, "requalify", [ticket]).content.decode()
    assert site.name in page and other_site.name not in page
    _act(admin_client, "requalify", [ticket], site=site.pk, billable="true", note="vu")
    ticket.refresh_from_db()
    assert ticket.site == site and ticket.billable is True
    event = ticket.events.get(kind=EventKind.QUALIFICATION)
    assert set(event.payload["changes"]) == {"site", "billable"}


def test_requalifying_tickets_of_several_clients_hides_contact_and_site(admin_client, ticket):
    other = make_ticket(client=ContractFactory().client)
    page = _act(admin_client, "requalify", [ticket, other]).content.decode()
    assert 'name="svc-site"' not in page and 'name="svc-contact"' not in page
    response = _act(admin_client, "requalify", [ticket, other], complexity="expert", note="")
    assert "2 éléments traités" in response.content.decode()
    assert Ticket.objects.filter(complexity="expert").count() == 2


def test_requalifying_with_nothing_chosen_is_refused(admin_client, ticket):
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "requalify", "_selected_action": [ticket.pk], "apply": "1"},
    )
    assert "Choisissez au moins une valeur" in response.content.decode()
    assert _kinds(ticket) == [EventKind.CREATED]


def test_the_whole_lifecycle_can_be_driven_from_the_admin(admin_client, admin_user, ticket):
    _act(admin_client, "take_in_charge", [ticket])
    _act(admin_client, "set_pending", [ticket], on="client", reason="Attente du client")
    _act(admin_client, "resume", [ticket], note="")
    _act(admin_client, "escalate", [ticket], level="2", reason="Réseau")
    _act(admin_client, "resolve", [ticket], note="Redémarré", minutes_spent="15")
    _act(admin_client, "reopen", [ticket], note="Toujours en panne")
    _act(admin_client, "resolve", [ticket], note="Remplacé", minutes_spent="30")
    _act(admin_client, "close", [ticket], note="Carte réseau remplacée")
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED and ticket.closure_synthesis == "Carte réseau remplacée"
    assert ticket.escalation_level == 2 and ticket.taken_in_charge_at is not None
    actions = [
        e.payload.get("action")
        for e in ticket.events.filter(kind=EventKind.TRANSITION).order_by("pk")
    ]
    assert actions == [
        "take_in_charge",
        "put_pending",
        "resume",
        "resolve",
        "reopen",
        "resolve",
        "close",
    ]
    assert set(ticket.events.exclude(kind=EventKind.CREATED).values_list("actor", flat=True)) == {
        admin_user.pk
    }


def test_tickets_and_events_cannot_be_deleted_nor_edited_in_the_admin(admin_client, ticket):
    changelist = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "delete_selected" not in changelist
    assert (
        admin_client.get(reverse("admin:tickets_ticket_delete", args=[ticket.pk])).status_code
        == 403
    )
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "delete_selected", "_selected_action": [ticket.pk], "post": "yes"},
    )
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    event = ticket.events.get()
    assert (
        admin_client.get(reverse("admin:tickets_ticketevent_delete", args=[event.pk])).status_code
        == 403
    )
    page = admin_client.get(reverse("admin:tickets_ticket_change", args=[ticket.pk]))
    assert page.status_code == 200 and 'name="assignee"' not in page.content.decode()
    assert response.status_code in (200, 302)


def test_a_staff_user_without_the_change_permission_gets_no_workflow_action(
    client, ticket, technician
):
    from django.contrib.auth.models import Permission

    user = technician.user
    user.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    client.force_login(user)
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert 'value="assign"' not in page
    _act(client, "cancel", [ticket], note="non")
    ticket.refresh_from_db()
    assert ticket.state == State.NEW


def test_the_attachment_admin_links_to_the_permission_checked_download(
    admin_client, ticket, admin_user
):
    from tickets.attachments import attachment_add

    attachment = attachment_add(
        ticket=ticket, name="rapport.pdf", content=b"%PDF-1.4 test", by=admin_user
    )
    page = admin_client.get(reverse("admin:tickets_attachment_change", args=[attachment.pk]))
    content = page.content.decode()
    download = reverse("backoffice:attachment", args=[attachment.pk])
    assert f'href="{download}"' in content and "/media/" not in content
    assert admin_client.get(download).status_code == 200


def test_the_ticket_changelist_keeps_a_constant_number_of_queries(admin_client, client_org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for _ in range(2):
        for _ in range(3):
            make_ticket(client=client_org, contact=ContactFactory(client=client_org))
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(reverse(CHANGELIST)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12


def test_the_ticket_page_offers_the_actions_as_buttons(admin_client, admin_user, ticket):
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    content = admin_client.get(url).content.decode()
    assert 'name="action" value="take_in_charge"' in content
    assert 'name="action" value="cancel"' in content
    assert f'name="next" value="{url}"' in content
    # Only what the state allows: a new ticket is neither resolved nor closed from here.
    assert 'value="close"' not in content and 'value="resolve"' not in content
    # The button posts the list's action with this ticket selected, and comes back here.
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "take_in_charge", "_selected_action": [ticket.pk], "next": url},
    )
    assert response.status_code == 302 and response["Location"] == url
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS and ticket.taken_in_charge_at is not None


def test_an_action_never_redirects_off_site(admin_client, ticket):
    response = admin_client.post(
        reverse(CHANGELIST),
        {
            "action": "cancel",
            "_selected_action": [ticket.pk],
            "apply": "1",
            "svc-note": "doublon",
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse(CHANGELIST)
    ticket.refresh_from_db()
    assert ticket.state == State.CANCELLED
