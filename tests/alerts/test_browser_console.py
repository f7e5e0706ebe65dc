"""End to end in headless Chromium: a technician acknowledges a firing event in the console and
turns it into a ticket, without leaving the console."""

from __future__ import annotations

import pytest
from django.urls import reverse

from alerts.models import Event
from tests.alerts.test_console import make_event
from tests.browser_checks import axe_violations
from tests.factories import ContractFactory, TechnicianFactory
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login
from tickets.models import Ticket

pytestmark = BROWSER_TEST


@pytest.fixture(autouse=True)
def _full_urls(_api_only_urls, settings):
    settings.ROOT_URLCONF = "oceanis.urls"


def test_an_event_is_acknowledged_then_turned_into_a_ticket_from_the_console(live_server, browser):
    TechnicianFactory(user__username="sophie", user__first_name="Sophie")
    acme = ContractFactory(client__code="acme", client__name="ACME Logistique").client
    event = make_event(acme, 1, host="fw-core-1", summary="Lien WAN saturé", severity="minor")
    make_event(acme, 2, host="db-2", summary="Réplication en retard", severity="warning")

    page = login(browser, live_server, "sophie", reverse("alerts:console"))
    row = page.locator(f"tr[data-event='{event.pk}']")
    assert "Actif" in row.inner_text() and "fw-core-1" in row.inner_text()

    row.locator("button[data-action=acknowledge]").click()
    page.wait_for_selector("text=pris en compte.")
    row = page.locator(f"tr[data-event='{event.pk}']")
    assert "Pris en compte" in row.inner_text() and "Sophie" in row.inner_text()
    assert page.url.endswith(reverse("alerts:console"))

    row.locator("button[data-action=open-ticket]").click()
    page.wait_for_selector("text=créée.")
    ticket = Ticket.objects.get()
    row = page.locator(f"tr[data-event='{event.pk}']")
    assert ticket.reference in row.inner_text()
    assert row.locator("button[data-action=open-ticket]").count() == 0
    assert Event.objects.get(pk=event.pk).ticket == ticket
    assert ticket.title == "[Supervision] fw-core-1: Lien WAN saturé"
    page.screenshot(path=str(SCREENSHOTS / "events.png"), full_page=True)
    assert axe_violations(page) == []
    page.goto(live_server.url + reverse("alerts:event", args=[event.pk]))
    assert axe_violations(page) == []
    page.goto(live_server.url + reverse("alerts:console"))

    # The filters narrow the list; the ticket link leads to the ticket page.
    page.select_option("#id_severity", "warning")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("tr[data-event]").count() == 1
    page.goto(live_server.url + reverse("alerts:console"))
    page.click(f"text={ticket.reference}")
    page.wait_for_load_state()
    assert ticket.reference in page.title() or ticket.reference in page.content()
