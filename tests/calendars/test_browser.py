"""In headless Chromium: a manager enters a bridge day on the calendar screen, and the page of a
ticket created afterwards explains its deadline by it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import time_machine

from tests.factories import ContractFactory, make_manager, make_ticket
from tests.oncall.conftest import paris

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "secret-pass-123"  # the UserFactory password

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def test_a_manager_enters_a_bridge_day_and_the_ticket_page_names_it(live_server, browser):
    make_manager("sophie")
    contract = ContractFactory(client__name="Vendée Logistique")
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 1000}
    )
    tab = context.new_page()
    with time_machine.travel(paris(2026, 5, 13, 10, 0), tick=True):
        tab.goto(f"{live_server.url}/login/?next=/calendars/")
        tab.fill("#id_username", "sophie")
        tab.fill("#id_password", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/calendars/")
        tab.select_option("#id_kind", "closure")
        tab.fill("#id_day", "2026-05-15")
        tab.fill("#id_label", "pont de l'Ascension")
        tab.click("#exception-form button[type=submit]")
        tab.wait_for_url("**/calendars/")
        listed = tab.locator("[data-testid=calendar-exceptions]").inner_text()
        assert "pont de l'Ascension" in listed and "Fermeture exceptionnelle" in listed
        assert "Exception ajoutée" in tab.content()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(SCREENSHOTS / "calendars.png"), full_page=True)
    with time_machine.travel(paris(2026, 5, 14, 20, 0), tick=True):
        ticket = make_ticket(
            client=contract.client, urgency="slightly_blocking", title="Imprimante du quai 3"
        )
        tab.goto(f"{live_server.url}/tickets/{ticket.reference}/")
        explanation = tab.locator("[data-testid=gti-explanation]").inner_text()
        assert "fermeture exceptionnelle : pont de l'Ascension" in explanation
        assert "lun. 18/05 18:00" in explanation
        tab.locator("#sla-panel").screenshot(path=str(SCREENSHOTS / "calendars-ticket.png"))
    context.close()
    assert ticket.gti_deadline == paris(2026, 5, 18, 18, 0)
