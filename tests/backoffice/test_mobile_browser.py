"""On a 390 × 844 phone, in headless Chromium: the back-office queues and ticket page fit the
screen, values are not cut inside a word, and the whole navigation (main links, Modules menu,
search, sign-out) is reachable. Screenshots go to docs/screenshots/ (queue-phone.png,
ticket-phone.png)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sla.policy import Urgency
from tests.browser_checks import PHONE, horizontal_overflow, outside_viewport, words_broken
from tests.factories import (
    ContactFactory,
    ContractFactory,
    SiteFactory,
    TechnicianFactory,
    make_manager,
    make_ticket,
)
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login
from tickets import services

pytestmark = BROWSER_TEST


@pytest.fixture
def scene(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = make_manager("sophie")
    manager.user.first_name, manager.user.last_name = "Sophie", "Garnier"
    manager.user.save()
    julien = TechnicianFactory(
        user__username="julien", user__first_name="Julien", user__last_name="Morel"
    )
    contract = ContractFactory(
        client__name="Vendée Logistique", client__code="vendee", referent=julien
    )
    site = SiteFactory(client=contract.client, name="Plateforme des Herbiers")
    contact = ContactFactory(
        client=contract.client,
        site=site,
        first_name="Pierre-Alexandre",
        last_name="Martin-Desrochers",
        email="pierre-alexandre.martin-desrochers@vendee-logistique.example",
        phone="+33 2 51 00 00 00",
    )
    ticket = make_ticket(
        client=contract.client,
        contact=contact,
        site=site,
        title="Sauvegarde nocturne en échec sur le serveur de fichiers de l'entrepôt",
        description="Le journal de la sauvegarde signale une erreur d'écriture sur le NAS.",
        urgency=Urgency.VERY_BLOCKING,
    )
    services.ticket_assign(ticket=ticket, technician=julien, by=manager.user)
    services.ticket_take_in_charge(ticket=ticket, by=julien.user)
    services.ticket_add_entry(
        ticket=ticket,
        by=julien.user,
        body="Volume de destination saturé ; purge des anciennes générations lancée.",
        public=True,
    )
    for title in ("Imprimante du quai 3 hors ligne", "Création d'un compte pour un intérimaire"):
        other = make_ticket(client=contract.client, contact=contact, site=site, title=title)
        services.ticket_assign(ticket=other, technician=julien, by=manager.user)
    return {"ticket": ticket, "manager": manager}


def phone_login(browser, live_server, username):
    return login(browser, live_server, username, viewport=PHONE, is_mobile=True, has_touch=True)


def assert_fits_the_phone(page):
    assert horizontal_overflow(page) == [], page.url
    assert words_broken(page, "header.topbar, nav, main") == [], page.url
    assert outside_viewport(page, ".topbar nav > a, .bo-more summary, #bo-q, .user button") == []


def test_queues_and_ticket_page_fit_a_phone_and_keep_the_navigation(live_server, browser, scene):
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    ticket = scene["ticket"]
    page = phone_login(browser, live_server, "sophie")

    for name in ("home", "backoffice:team_queue", "backoffice:dispatch"):
        page.goto(live_server.url + reverse(name))
        assert_fits_the_phone(page)
    page.goto(live_server.url + reverse("backoffice:team_queue"))
    page.screenshot(path=str(SCREENSHOTS / "queue-phone.png"))  # what the phone shows first

    page.goto(live_server.url + reverse("backoffice:ticket", args=[ticket.reference]))
    expect(page.locator(".facts")).to_contain_text("Vendée Logistique")
    assert_fits_the_phone(page)
    client_value = page.locator(".facts dd").first
    assert client_value.evaluate("el => el.getClientRects().length") == 1  # one line, not cut
    page.screenshot(path=str(SCREENSHOTS / "ticket-phone.png"), full_page=True)

    # Every staff area stays one tap away: the Modules menu opens inside the screen.
    page.locator(".bo-more summary").click()
    modules = page.locator(".bo-more ul a")
    expect(modules.first).to_be_visible()
    texts = modules.all_inner_texts()
    # The manager also reaches the reports; the event console and the triage queue are there.
    assert {"Rapports", "Événements", "Mails à trier"} <= {t.strip() for t in texts}
    assert outside_viewport(page, ".bo-more ul a") == []
    assert horizontal_overflow(page) == []
    modules.filter(has_text="Astreinte").click()
    page.wait_for_url(re.compile(r"/oncall/$"))
    assert_fits_the_phone(page)
    expect(page.locator("#bo-q")).to_be_visible()

    # The search box works from a module page, then sign-out is within reach.
    page.fill("#bo-q", "quai 3")
    page.press("#bo-q", "Enter")
    page.wait_for_url(re.compile(r"/search/"))
    page.get_by_role("button", name="Déconnexion").click()
    page.wait_for_url(re.compile(r"/login/|/connexion/"))
