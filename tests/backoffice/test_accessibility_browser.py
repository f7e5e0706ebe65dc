"""axe-core (WCAG 2.1 A and AA rules, colour contrast included, and its best practices) on the
main staff pages, in headless Chromium on a desktop screen and a phone: no serious or critical
violation on the queue, the ticket page, on-call, major incidents and reports."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services as incident_services
from oncall.models import Rotation
from oncall.services import rotation_set_members
from sla.policy import Urgency
from tests.browser_checks import PHONE, axe_violations
from tests.factories import (
    ContactFactory,
    ContractFactory,
    TechnicianFactory,
    make_manager,
    make_ticket,
)
from tests.support.browser import BROWSER_TEST, PASSWORD
from tickets import services

pytestmark = BROWSER_TEST


@pytest.fixture
def scene(settings, tmp_path):
    """A manager's day: tickets in several states, a major incident, an on-call rotation."""
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = make_manager("sophie")
    manager.user.first_name, manager.user.last_name = "Sophie", "Garnier"
    manager.user.save()
    julien = TechnicianFactory(
        user__username="julien", user__first_name="Julien", user__last_name="Morel"
    )
    contract = ContractFactory(client__name="Vendée Logistique", referent=julien)
    contact = ContactFactory(client=contract.client, first_name="Pierre", last_name="Martin")
    ticket = make_ticket(
        client=contract.client,
        contact=contact,
        title="Sauvegarde nocturne en échec",
        urgency=Urgency.CRITICAL,
    )
    services.ticket_assign(ticket=ticket, technician=manager, by=manager.user)
    services.ticket_take_in_charge(ticket=ticket, by=manager.user)
    services.ticket_add_entry(ticket=ticket, by=manager.user, body="Purge lancée.", public=True)
    services.ticket_add_entry(ticket=ticket, by=manager.user, body="Accès NAS.", public=False)
    for title, urgency in (("Imprimante hors ligne", Urgency.NON_BLOCKING),
                           ("Compte intérimaire", Urgency.SLIGHTLY_BLOCKING)):  # fmt: skip
        other = make_ticket(client=contract.client, title=title, urgency=urgency)
        services.ticket_assign(ticket=other, technician=manager, by=manager.user)
    resolved = make_ticket(client=contract.client, title="Wifi salle de réunion")
    services.ticket_take_in_charge(ticket=resolved, by=manager.user)
    services.ticket_resolve(ticket=resolved, by=manager.user, note="Borne redémarrée.")
    incident = incident_services.incident_create(
        title="Panne de la messagerie hébergée",
        services="Messagerie Exchange",
        started_at=timezone.now() - dt.timedelta(minutes=40),
        by=manager.user,
        tickets=[ticket],
    )
    rotation = Rotation.objects.create(
        name="Astreinte Oceanis",
        start_date=timezone.localdate() - dt.timedelta(days=3),
        escalation_contact=manager,
    )
    rotation_set_members(rotation=rotation, technicians=[julien, manager])
    return {"ticket": ticket, "incident": incident}


def staff_pages(scene):
    return {
        "queue": reverse("home"),
        "team queue": reverse("backoffice:team_queue"),
        "ticket": reverse("backoffice:ticket", args=[scene["ticket"].reference]),
        "on-call": reverse("oncall:now"),
        "incidents": reverse("incidents:list"),
        "incident": reverse("incidents:detail", args=[scene["incident"].pk]),
        "reports": reverse("reports:index"),
    }


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"]
)
def test_main_staff_pages_have_no_serious_accessibility_violation(
    live_server, browser, scene, viewport
):
    page = browser.new_page(viewport=viewport, locale="fr-FR")
    page.goto(live_server.url + reverse("login"))
    assert axe_violations(page) == []
    page.fill("#id_username", "sophie")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))

    found = {}
    for name, url in staff_pages(scene).items():
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        if violations := axe_violations(page):
            found[name] = violations
    assert found == {}, "\n".join(f"{name}: {line}" for name, v in found.items() for line in v)
