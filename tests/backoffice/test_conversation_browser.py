"""In headless Chromium, what the extranet page promises ("le technicien est prévenu") holds: a
client's comment reaches the assignee's bell and queue row without a reload, and a mail answering
a closed request becomes a follow-up request its former owner is told about."""

from __future__ import annotations

import urllib.request

import pytest
from django.urls import reverse

from notifications.models import KnownMessageId
from tests.extranet.conftest import make_contact
from tests.factories import ContractFactory, TechnicianFactory, make_ticket
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login
from tickets import services
from tickets.models import Ticket

pytestmark = BROWSER_TEST


@pytest.fixture
def scene(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTICES_BELL_REFRESH_SECONDS = 1
    contract = ContractFactory(client__name="Vendée Logistique", client__code="vendee")
    contact = make_contact(
        contract.client,
        username="pierre.martin@vendee.test",
        first_name="Pierre",
        last_name="Martin",
    )
    contact.email = contact.user.email = "pierre.martin@vendee.test"
    contact.save()
    contact.user.save()
    tech = TechnicianFactory(
        user__username="julien", user__first_name="Julien", user__last_name="Moreau"
    )
    ticket = make_ticket(
        client=contract.client,
        contact=contact,
        title="Scanner de quai injoignable",
        urgency="very_blocking",
    )
    services.ticket_assign(ticket=ticket, technician=tech, by=tech.user)
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    return {"contact": contact, "tech": tech, "ticket": ticket}


def staff_login(browser, live_server, username, next_url="/"):
    tab = login(browser, live_server, username, next_url)
    # The bell is swapped in by htmx at load: its label then carries the count.
    # (a locator assertion: wait_for_function's string would need eval, which the CSP blocks)
    import re

    from playwright.sync_api import expect

    expect(tab.locator("#notice-bell")).to_have_attribute("aria-label", re.compile(r"\("))
    return tab


def test_a_client_comment_shows_on_the_assignees_bell_and_queue_row_without_reload(
    live_server, browser, scene
):
    ticket = scene["ticket"]
    staff = staff_login(browser, live_server, "julien")
    row = staff.locator("#queue-rows tr", has_text=ticket.reference)
    row.wait_for()
    assert "unread" not in (row.get_attribute("class") or "")
    assert staff.locator("#notice-bell .notice-count").inner_text() == ""
    staff.evaluate("window.__same_page = true")

    # Another browser context: the client's own.
    client = login(
        browser, live_server, scene["contact"].user, reverse("extranet:request", args=[ticket.pk])
    )
    assert "qui est prévenu" in client.content()
    client.fill("#id_body", "Le scanner du quai 3 ne répond toujours pas après redémarrage.")
    client.click("#commenter button[type=submit]")
    client.wait_for_selector("text=Votre commentaire a été ajouté")

    staff.locator("#notice-bell .notice-count").filter(has_text="1").wait_for(timeout=10_000)
    assert staff.locator("#notice-bell").get_attribute("aria-label") == (
        "Notifications (1 non lue)"
    )
    marked = staff.locator("#queue-rows tr.unread", has_text=ticket.reference)
    marked.wait_for(timeout=10_000)
    assert marked.locator(".unread-marker").count() == 1
    counters = staff.locator("#queue-counters")  # refreshed with the rows
    counters.locator("text=1 en attente de notre réponse").wait_for(timeout=5_000)
    assert staff.evaluate("window.__same_page") is True  # neither the bell nor the row reloaded
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff.screenshot(path=str(SCREENSHOTS / "queue-client-activity.png"), full_page=True)

    # Opening the ticket reads its activity: back in the queue the row is no longer marked.
    staff.click(f"#queue-rows a:text('{ticket.reference}')")
    staff.wait_for_url(f"**/{ticket.reference}/")
    assert "Le scanner du quai 3 ne répond toujours pas" in staff.content()
    staff.goto(live_server.url + "/")
    row = staff.locator("#queue-rows tr", has_text=ticket.reference)
    row.wait_for()
    assert "unread" not in (row.get_attribute("class") or "")


def test_a_mail_reply_to_a_closed_request_opens_a_follow_up_and_tells_the_former_owner(
    live_server, browser, scene, settings
):
    settings.INBOUND_MAIL_TOKEN = "inbound-secret"
    old, tech = scene["ticket"], scene["tech"]
    services.ticket_resolve(ticket=old, by=tech.user, note="Scanner réassocié à la borne Wi-Fi.")
    services.ticket_close(ticket=old, by=tech.user, synthesis="Scanner réassocié.")
    closure_mail = (
        KnownMessageId.objects.filter(ticket=old, direction="out", audience="client")
        .order_by("-created_at", "-pk")
        .first()
    )
    assert closure_mail is not None  # the closure mail was sent and can be answered
    raw = (
        "From: Pierre Martin <pierre.martin@vendee.test>\r\n"
        "To: support@oceanis.test\r\n"
        f"Subject: RE: [{old.reference}] Votre demande est clôturée\r\n"
        "Message-ID: <reply-after-closure@vendee.test>\r\n"
        f"In-Reply-To: {closure_mail.message_id}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Le scanner a de nouveau décroché cette nuit.\r\n"
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - the test's own live server
        f"{live_server.url}/inbound/mail/",
        data=raw,
        method="POST",
        headers={"Authorization": "Bearer inbound-secret", "Content-Type": "message/rfc822"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310
        assert response.status == 202
    follow_up = Ticket.objects.get(follow_up_of=old)
    assert old.events.filter(public=True, body__contains="décroché").count() == 0  # not silent

    staff = staff_login(browser, live_server, "julien")
    staff.locator("#notice-bell .notice-count").filter(has_text="1").wait_for(timeout=10_000)
    staff.click("#notice-bell")
    staff.wait_for_url("**/notifications/")
    notice = staff.locator("main a", has_text=follow_up.reference).first
    notice.wait_for()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    staff.screenshot(path=str(SCREENSHOTS / "notifications.png"), full_page=True)
    notice.click()
    staff.wait_for_url(f"**/{follow_up.reference}/")
    assert f"Suite de {old.reference}" in staff.content()
    assert "Le scanner a de nouveau décroché cette nuit." in staff.content()
