"""In headless Chromium: the switchboard posts a call answered by Julien; within 2 s the call
card shows on the page he has open; one click opens the new-ticket form pre-filled (client,
contact, channel phone). Screenshot: docs/screenshots/call-card.png."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
from django.utils import timezone

from api.scopes import TokenScope
from api.services import token_create
from telephony.models import Extension
from tests.factories import make_ticket
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login

pytestmark = BROWSER_TEST


def webhook(live_server, raw_token: str, body: dict) -> int:
    """What the PBX does: POST the call as JSON with its bearer token."""
    response = httpx.post(
        live_server.url + "/api/v1/calls/",
        json=body,
        headers={"Authorization": f"Bearer {raw_token}"},
        timeout=10,
    )
    return response.status_code


def test_the_call_card_appears_within_2_s_and_opens_a_prefilled_ticket(
    live_server, browser, julien, pierre
):
    from playwright.sync_api import expect

    Extension.objects.create(user=julien.user, number="230")
    ongoing = make_ticket(client=pierre.client, contact=pierre, title="Imprimante du 1er étage")
    _token, raw = token_create(name="Wildix", scopes=[TokenScope.CALLS_WRITE])

    page = login(browser, live_server, julien.user)
    card = page.get_by_test_id("call-card")
    expect(card).to_have_count(0)

    # A live call: the card only shows calls started within the last hours (LIVE_WINDOW).
    started = timezone.now().replace(microsecond=0)
    call = {
        "call_id": "it_w1_1.0",
        "caller": "+33 2 51 10 20 00",
        "started_at": started.isoformat(),
    }
    assert webhook(live_server, raw, call) == 201  # ringing: nobody's card yet
    page.wait_for_timeout(1500)
    expect(card).to_have_count(0)
    assert webhook(live_server, raw, call | {"answered_by": "230"}) == 200
    expect(card).to_be_visible(timeout=2000)
    expect(card).to_contain_text("Pierre Martin")
    expect(card).to_contain_text("Vendée Logistique")
    expect(card).to_contain_text("Astreinte 24h/24 7j/7")
    expect(card).to_contain_text(ongoing.reference)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "call-card.png"))

    card.get_by_role("link", name="Créer la demande").click()
    page.wait_for_url(re.compile(r"/tickets/new/\?call="))
    expect(page.locator(".chosen-client")).to_contain_text("Vendée Logistique")
    expect(page.locator("#id_contact")).to_have_value(str(pierre.pk))
    expect(page.get_by_role("radio", name="Appel téléphonique")).to_be_checked()
    expect(page.get_by_test_id("contract")).to_contain_text("Astreinte 24h/24 7j/7")

    # The call ends: the card goes away by itself.
    ended = (started + timedelta(minutes=5)).isoformat()
    assert webhook(live_server, raw, call | {"ended_at": ended}) == 200
    expect(card).to_have_count(0, timeout=3000)
