"""In headless Chromium: a technician searches a word that appears only in a report of a ticket
(never in its title or description) and opens the ticket from the results."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.urls import reverse

from tests.factories import ContractFactory, TechnicianFactory, make_ticket
from tests.support.browser import BROWSER_TEST, login
from tickets import services

# Looked at by whoever changes these pages; not part of the README's gallery.
SHOTS = Path(tempfile.gettempdir()) / "oceanis-screenshots"

pytestmark = BROWSER_TEST


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

    page = login(browser, live_server, tech.user)

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
