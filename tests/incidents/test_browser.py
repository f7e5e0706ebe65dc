"""End to end in headless Chromium: staff publish an incident update from the incident page; a
contact of the affected client sees the banner on the extranet, a contact of another client
does not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from tests.factories import (
    ClientFactory,
    ContactFactory,
    ContractFactory,
    TechnicianFactory,
    UserFactory,
    make_ticket,
)
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login

from .helpers import publish

pytestmark = BROWSER_TEST


@pytest.fixture
def scene():
    tech = TechnicianFactory(
        user__username="sophie", user__first_name="Sophie", user__last_name="Durand"
    )
    littoral = ContractFactory(client=ClientFactory(name="Clinique du Littoral")).client
    other = ContractFactory(client=ClientFactory(name="Cabinet Bellevue")).client

    def contact(client, username):
        user = UserFactory(username=username)
        return ContactFactory(client=client, user=user, email=f"{username}@example.test")

    claire = contact(littoral, "claire")
    paul = contact(other, "paul")
    ticket = make_ticket(
        client=littoral, title="Messagerie inaccessible", description="Outlook hors ligne"
    )
    incident = services.incident_create(
        title="Panne de la messagerie hébergée",
        services="Messagerie Exchange\nWebmail",
        started_at=timezone.now() - dt.timedelta(minutes=40),
        by=tech.user,
        tickets=[ticket],
    )
    publish(incident, tech.user, body="Incident en cours sur la messagerie hébergée.")
    return {"tech": tech, "claire": claire, "paul": paul, "incident": incident}


def test_staff_publish_an_update_and_the_affected_client_sees_the_banner(
    live_server, browser, scene, mailoutbox
):
    incident = scene["incident"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff = login(
        browser, live_server, scene["tech"].user, reverse("incidents:detail", args=[incident.pk])
    )
    staff.click("text=Publier une communication")
    staff.select_option("#template-kind", "update")
    staff.click("text=Charger le modèle")
    assert "Point de situation sur l'incident" in staff.input_value("#id_body")
    update = (
        "Point de situation : le contrôleur de stockage défaillant est remplacé, "
        "la messagerie redémarre progressivement."
    )
    staff.fill("#id_body", update)
    next_update = timezone.localtime() + dt.timedelta(hours=1)
    staff.fill("#id_next_update_at", next_update.strftime("%Y-%m-%dT%H:%M"))
    staff.click("form[method=post] button[type=submit].primary")
    staff.wait_for_selector("text=Communication publiée (Point de situation)")
    # The initial notification and this update: one mail each to the one affected contact.
    assert staff.locator("text=1/1 mail(s) envoyé(s)").count() == 2
    staff.screenshot(path=str(SCREENSHOTS / "incident.png"), full_page=True)

    # Each affected contact got one mail per communication; nobody else got any.
    assert [m.to for m in mailoutbox] == [["claire@example.test"]] * 2
    assert update in mailoutbox[-1].body

    client_page = login(
        browser,
        live_server,
        "claire",
        reverse("extranet:incidents"),
        viewport={"width": 1280, "height": 800},
    )
    banner = client_page.locator(f"[data-incident='{incident.reference}']")
    assert banner.is_visible()
    assert "Incident en cours – Panne de la messagerie hébergée" in banner.inner_text()
    assert "le contrôleur de stockage défaillant est remplacé" in banner.inner_text()
    client_page.screenshot(path=str(SCREENSHOTS / "incident-banner.png"), full_page=True)

    unaffected = login(browser, live_server, "paul", reverse("extranet:incidents"))
    assert unaffected.locator("[data-incident]").count() == 0
    assert "Panne de la messagerie" not in unaffected.content()
