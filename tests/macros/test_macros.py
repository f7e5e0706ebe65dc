"""Canned answers: placeholders filled from the ticket, insertion on the ticket page (htmx),
the pending state and time set through the ticket services on submit, and who manages what."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from macros.models import Macro
from macros.services import macro_create, macro_render, macro_update
from staff.models import Team
from tests.factories import (
    ContactFactory,
    ContractFactory,
    TechnicianFactory,
    make_manager,
    make_ticket,
)
from tickets import services
from tickets.models import EventKind, PendingOn, State

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def tech(db):
    return TechnicianFactory(
        user__username="jmartin", user__first_name="Julie", user__last_name="Martin"
    )


@pytest.fixture
def ticket(tech):
    client = ContractFactory(client__name="Acme").client
    marie = ContactFactory(client=client, first_name="Marie", last_name="Dupont")
    ticket = make_ticket(
        client=client,
        contact=marie,
        title="VPN",
        created_at=datetime(2026, 12, 1, 9, 0, tzinfo=PARIS),
    )
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    return ticket


@pytest.fixture
def ask_logs(tech):
    return macro_create(
        by=tech.user,
        name="Demande de journaux",
        body="Bonjour {prenom_contact},\nPour {reference}, pouvez-vous nous envoyer les journaux "
        "avant le {echeance_gti} ?\n{technicien}",
        set_pending_on_client=True,
        pending_reason="Journaux demandés pour {reference}",
        minutes_spent=10,
    )


def test_placeholders_are_filled_from_the_ticket_and_the_writer(ask_logs, ticket, tech):
    text = macro_render(macro=ask_logs, ticket=ticket, by=tech.user)
    deadline = ticket.gti_deadline.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")
    assert text == (
        f"Bonjour Marie,\nPour {ticket.reference}, pouvez-vous nous envoyer les journaux "
        f"avant le {deadline} ?\nJulie Martin"
    )


def test_unknown_placeholders_are_refused_when_saving(tech):
    with pytest.raises(ValidationError) as error:
        macro_create(by=tech.user, name="X", body="Bonjour {prenom} {__class__}")
    assert "{prenom}" in str(error.value) and "{prenom_contact}" in str(error.value)
    assert not Macro.objects.exists()


def test_choosing_a_macro_fills_the_entry_form(ask_logs, ticket, tech, client):
    client.force_login(tech.user)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference])).content.decode()
    assert reverse("macros:picker", args=[ticket.reference]) in page
    picker = client.get(reverse("macros:picker", args=[ticket.reference])).content.decode()
    assert "Demande de journaux" in picker and 'hx-target="#entry-fields"' in picker
    fields = client.get(
        reverse("macros:insert", args=[ticket.reference]), {"macro": ask_logs.pk}
    ).content.decode()
    assert "Bonjour Marie," in fields and ticket.reference in fields
    assert 'name="minutes_spent" value="10"' in fields
    assert "En attente du client" in fields


def test_submitting_with_the_macro_adds_the_report_and_puts_the_ticket_pending(
    ask_logs, ticket, tech, client
):
    client.force_login(tech.user)
    response = client.post(
        reverse("backoffice:ticket_entry", args=[ticket.reference]),
        {
            "body": "Bonjour Marie, les journaux SVP",
            "visibility": "public",
            "minutes_spent": "10",
            "macro": str(ask_logs.pk),
        },
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.state, ticket.pending_on) == (State.PENDING, PendingOn.CLIENT)
    assert ticket.pending_reason == f"Journaux demandés pour {ticket.reference}"
    report = ticket.events.get(kind=EventKind.REPORT)
    assert (report.minutes_spent, report.payload["macro"]) == (10, ask_logs.pk)


def test_a_macro_that_cannot_apply_writes_nothing_and_says_why(ask_logs, tech, client):
    ticket = make_ticket(title="Pas encore prise")  # new: cannot be put pending
    client.force_login(tech.user)
    response = client.post(
        reverse("backoffice:ticket_entry", args=[ticket.reference]),
        {"body": "Texte", "visibility": "public", "minutes_spent": "0", "macro": str(ask_logs.pk)},
    )
    assert response.status_code == 400
    assert "Prise en charge" in response.content.decode()
    assert not ticket.events.filter(kind=EventKind.REPORT).exists()


def test_someone_elses_personal_macro_is_ignored(ask_logs, ticket, client):
    other = TechnicianFactory()
    client.force_login(other.user)
    client.post(
        reverse("backoffice:ticket_entry", args=[ticket.reference]),
        {
            "body": "Texte",
            "visibility": "internal",
            "minutes_spent": "0",
            "macro": str(ask_logs.pk),
        },
    )
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS  # the forged macro id did nothing
    fields = client.get(
        reverse("macros:insert", args=[ticket.reference]), {"macro": ask_logs.pk}
    ).content.decode()
    assert "Bonjour Marie" not in fields


def test_team_macros_are_the_managers_and_offered_to_their_team(ticket, tech, client):
    with pytest.raises(PermissionDenied):
        macro_create(by=tech.user, name="Équipe", body="Texte", scope="team")
    manager = make_manager()
    team_macro = macro_create(
        by=manager.user,
        name="Clôture standard",
        body="Merci {prenom_contact}",
        scope="team",
        team=Team.SERVICE_DESK,
    )
    other_team = macro_create(
        by=manager.user, name="RUN seulement", body="Texte", scope="team", team=Team.RUN
    )
    client.force_login(tech.user)
    picker = client.get(reverse("macros:picker", args=[ticket.reference])).content.decode()
    assert "Clôture standard" in picker and "RUN seulement" not in picker
    with pytest.raises(PermissionDenied):
        macro_update(macro=team_macro, by=tech.user, name="Changé", body="x", scope="team")
    assert client.post(reverse("macros:delete", args=[other_team.pk])).status_code == 403
    listing = client.get(reverse("macros:list")).content.decode()
    assert "Clôture standard" in listing
    response = client.post(
        reverse("macros:new"),
        {
            "name": "Perso",
            "body": "Bonjour {prenom_contact}",
            "scope": "personal",
            "visibility": "internal",
            "minutes_spent": "5",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Macro.objects.get(name="Perso").owner == tech.user
