"""A ticket is resolved with a resolution report, at every door: the client reads it next to
"Résolue", as closure requires its synthesis."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from api.scopes import INTEGRATION_SCOPES
from api.services import token_create
from tests.factories import make_ticket
from tickets import services
from tickets.models import EventKind, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_progress(technician, client_org):
    ticket = make_ticket(client=client_org, assignee=technician)
    return services.ticket_take_in_charge(ticket=ticket, by=technician.user)


def _unchanged(ticket, events: int) -> None:
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS and ticket.resolved_at is None
    assert ticket.events.count() == events


@pytest.mark.parametrize("note", ["", "   \n  "])
def test_the_service_refuses_a_blank_resolution_report_naming_the_field(
    in_progress, technician, note
):
    events = in_progress.events.count()
    with pytest.raises(ValidationError) as refused:
        services.ticket_resolve(ticket=in_progress, by=technician.user, note=note)
    assert "compte-rendu de résolution" in refused.value.message_dict["note"][0]
    _unchanged(in_progress, events)


def test_the_resolution_report_is_the_public_text_of_the_resolution(in_progress, technician):
    services.ticket_resolve(ticket=in_progress, by=technician.user, note="  Toner remplacé.  ")
    event = in_progress.events.filter(kind=EventKind.TRANSITION).latest("pk")
    assert (event.to_state, event.body, event.public) == (State.RESOLVED, "Toner remplacé.", True)


def test_the_ticket_page_shows_a_form_error_for_a_missing_report(client, in_progress, technician):
    client.force_login(technician.user)
    events = in_progress.events.count()
    response = client.post(
        reverse("backoffice:ticket_action", args=[in_progress.reference, "resolve"]),
        {"note": "  ", "minutes_spent": "10"},
    )
    assert response.status_code == 400
    assert "has-error" in response.content.decode()
    resolve = next(a for a in response.context["actions"] if a["action"].name == "resolve")
    assert resolve["open"] and resolve["form"].errors["note"]
    _unchanged(in_progress, events)


def test_the_api_answers_400_naming_the_note_field(in_progress):
    _token, raw = token_create(name="Téléphonie", scopes=INTEGRATION_SCOPES)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    events = in_progress.events.count()
    for body in ({}, {"note": ""}, {"note": "   "}):
        response = api.post(
            f"/api/v1/tickets/{in_progress.reference}/resolve/", body, format="json"
        )
        assert response.status_code == 400, body
        assert "note" in response.json()["fields"], body
    _unchanged(in_progress, events)


def test_the_admin_action_asks_for_the_report_again(admin_client, in_progress):
    events = in_progress.events.count()
    response = admin_client.post(
        reverse("admin:tickets_ticket_changelist"),
        {
            "action": "resolve",
            "_selected_action": [in_progress.pk],
            "apply": "1",
            "svc-note": "",
            "svc-minutes_spent": "0",
        },
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    _unchanged(in_progress, events)
