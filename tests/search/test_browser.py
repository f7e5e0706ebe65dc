"""In headless Chromium: a technician searches a word that appears only in a report of a ticket
(never in its title or description) and opens the ticket from the results."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import ContractFactory, TechnicianFactory, make_ticket
from tickets import services

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = "/usr/bin/chromium"
# Looked at by whoever changes these pages; not part of the README's gallery.
SHOTS = Path(tempfile.gettempdir()) / "oceanis-screenshots"
PASSWORD = "secret-pass-123"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def test_a_technician_finds_a_ticket_by_a_word_of_its_report_and_opens_it(live_server, browser):
    tech = TechnicianFactory(user__username="julie", user__first_name="Julie")
    client = ContractFactory(client__name="Clinique du Littoral").client
    ticket = make_ticket(client=client, title="Lenteurs au secrétariat", description="Depuis lundi")
    make_ticket(client=client, title="Imprimante bloquée", description="Bourrage")
    services.ticket_add_entry(
        ticket=ticket,
        by=tech.user,
        body="Les commutateurs de la baie B ont été remplacés, débit rétabli.",
        public=True,
    )

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "julie")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    # The one search box of the top bar, with an accented plural the report spells otherwise.
    page.fill("#bo-q", "commutateur baie")
    page.press("#bo-q", "Enter")
    page.wait_for_url("**/search/?q=*")
    row = page.locator("table.tickets tbody tr", has_text=ticket.reference)
    assert row.count() == 1
    assert "Imprimante bloquée" not in page.content()
    marked = row.locator(".snippet mark")
    assert [m.lower() for m in marked.all_inner_texts()][:2] == ["commutateurs", "baie"]
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "search.png"), full_page=True)

    row.get_by_role("link", name=ticket.reference).click()
    page.wait_for_url(live_server.url + reverse("backoffice:ticket", args=[ticket.reference]))
    assert page.locator("h1").first.inner_text().strip() != ""
    assert "Les commutateurs de la baie B" in page.content()
