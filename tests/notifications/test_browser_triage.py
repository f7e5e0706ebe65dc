"""End to end in headless Chromium: a mail from an unknown sender waits in the triage queue
(counted beside the bell) and becomes a ticket for a new contact of the chosen client."""

from __future__ import annotations

from clients.models import Contact
from notifications.models import InboundMessage
from tests.browser_checks import axe_violations
from tests.factories import ContractFactory, TechnicianFactory
from tests.notifications.test_triage import received
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login
from tickets.models import Ticket

pytestmark = BROWSER_TEST


def test_a_triage_mail_becomes_a_ticket_for_a_new_contact(live_server, browser):
    TechnicianFactory(user__username="sophie", user__first_name="Sophie")
    durand = ContractFactory(client__code="durand", client__name="Durand SA").client
    message = received()

    page = login(browser, live_server, "sophie")
    # The counter beside the bell loads by itself and leads to the queue.
    counter = page.locator("#triage-counter")
    counter.wait_for(state="visible")
    assert counter.get_attribute("aria-label") == "1 mail à trier"
    counter.click()
    page.wait_for_load_state()
    page.click("text=Imprimante HS")
    page.wait_for_load_state()
    assert "2e étage" in page.inner_text(".mail-body")
    assert page.input_value("#id_first_name") == "Paul"
    assert page.input_value("#id_last_name") == "Durand"
    page.select_option("#id_client", str(durand.pk))
    page.screenshot(path=str(SCREENSHOTS / "triage.png"), full_page=True)
    assert axe_violations(page) == []
    page.click("button[data-action=open-ticket]")
    page.wait_for_selector("text=Mail trié")

    ticket = Ticket.objects.get()
    contact = Contact.objects.get(email="paul.durand@inconnu.test")
    assert (ticket.contact, contact.client) == (contact, durand)
    assert ticket.reference in page.content()  # the decision, in the queue's audit
    assert "Aucun mail à trier." in page.content()
    assert axe_violations(page) == []
    message.refresh_from_db()
    assert message.status == InboundMessage.Status.PROCESSED
    page.wait_for_selector("#triage-counter", state="hidden")
