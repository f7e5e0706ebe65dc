"""In headless Chromium: picking a canned answer fills the entry form (htmx, under the page's
CSP), submitting it puts the ticket pending on the client; the linked tickets panel loads."""

from __future__ import annotations

from playwright.sync_api import expect

from macros.services import macro_create
from relations.models import LinkKind
from relations.services import link_create
from tests.backoffice.test_conversation_browser import staff_login
from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, make_ticket
from tests.support.browser import BROWSER_TEST, SCREENSHOTS
from tickets import services
from tickets.models import State

pytestmark = BROWSER_TEST


def test_a_macro_fills_the_entry_and_puts_the_ticket_pending(
    live_server, browser, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    client = ContractFactory(client__name="Vendée Logistique").client
    pierre = ContactFactory(client=client, first_name="Pierre", last_name="Martin")
    tech = TechnicianFactory(
        user__username="julien", user__first_name="Julien", user__last_name="Moreau"
    )
    ticket = make_ticket(client=client, contact=pierre, title="Scanner de quai injoignable")
    other = make_ticket(client=client, contact=pierre, title="Réseau du quai 3")
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    link_create(source=ticket, target=other, kind=LinkKind.RELATED_TO, by=tech.user)
    macro = macro_create(
        by=tech.user,
        name="Demande de journaux",
        body="Bonjour {prenom_contact}, pouvez-vous nous envoyer les journaux ? {technicien}",
        set_pending_on_client=True,
        pending_reason="Journaux demandés",
        minutes_spent=10,
    )
    tab = staff_login(browser, live_server, "julien", f"/tickets/{ticket.reference}/")
    expect(tab.locator("#relations-title")).to_be_visible()
    expect(tab.locator("#relations")).to_contain_text(other.reference)
    tab.select_option("#id_entry_macro", str(macro.pk))
    expect(tab.locator("#id_entry_body")).to_have_value(
        "Bonjour Pierre, pouvez-vous nous envoyer les journaux ? Julien Moreau"
    )
    expect(tab.locator("#id_entry_minutes_spent")).to_have_value("10")
    tab.screenshot(path=str(SCREENSHOTS / "ticket-macro.png"), full_page=True)
    tab.click("#entry-title ~ form button[type=submit]")
    expect(tab.locator(".pending").first).to_contain_text("Journaux demandés")
    ticket.refresh_from_db()
    assert ticket.state == State.PENDING
    tab.close()
