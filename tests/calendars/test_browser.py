"""In headless Chromium: a manager enters a bridge day on the calendar screen, and the page of a
ticket created afterwards explains its deadline by it."""

from __future__ import annotations

import time_machine

from tests.factories import ContractFactory, make_manager, make_ticket
from tests.oncall.conftest import paris
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login

pytestmark = BROWSER_TEST


def test_a_manager_enters_a_bridge_day_and_the_ticket_page_names_it(live_server, browser, settings):
    # The scene jumps a day and a half between two pages; the idle logout (tests/logins) would
    # end the manager's session in between.
    settings.SESSION_IDLE_TIMEOUT = 0
    make_manager("sophie")
    contract = ContractFactory(client__name="Vendée Logistique")
    with time_machine.travel(paris(2026, 5, 13, 10, 0), tick=True):
        tab = login(
            browser,
            live_server,
            "sophie",
            "/calendars/",
            timezone_id="Europe/Paris",
            viewport={"width": 1280, "height": 1000},
        )
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
    tab.context.close()
    assert ticket.gti_deadline == paris(2026, 5, 18, 18, 0)
