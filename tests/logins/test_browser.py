"""Two browsers of one contact: the first ends the second's session from "Mes sessions"; a
staff page's own polling is marked as not being activity."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.logins.conftest import PASSWORD, SAFARI_IPHONE, make_contact_user
from tests.support.browser import BROWSER_TEST, DESKTOP, login

pytestmark = BROWSER_TEST


def _log_in(browser, live_server, username, **options):
    page = browser.new_context(viewport=DESKTOP, locale="fr-FR", **options).new_page()
    page.goto(live_server.url + reverse("extranet:login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("extranet:home"))
    return page


@pytest.fixture
def pierre(contract):
    return make_contact_user(contract.client, "pierre@vendee.example")


def test_a_contact_ends_their_session_on_the_phone_from_the_office(
    live_server, browser, pierre, tmp_path
):
    office = _log_in(browser, live_server, pierre.username)
    phone = _log_in(browser, live_server, pierre.username, user_agent=SAFARI_IPHONE, is_mobile=True)

    office.click("text=Mes sessions")
    office.wait_for_url(live_server.url + reverse("extranet:sessions"))
    rows = office.locator("[data-testid=sessions] tbody tr")
    assert rows.count() == 2
    assert "cette session" in rows.nth(0).inner_text()
    assert "Safari, iOS" in rows.nth(1).inner_text()
    office.screenshot(path=str(tmp_path / "sessions.png"), full_page=True)

    rows.nth(1).get_by_role("button", name="Fermer cette session").click()
    office.wait_for_selector("text=La session a été fermée.")
    assert office.locator("[data-testid=sessions] tbody tr").count() == 1

    phone.reload()
    assert phone.url.startswith(live_server.url + reverse("extranet:login"))


def test_the_pages_own_polling_says_it_is_not_activity(live_server, browser, tech):
    page = login(browser, live_server, tech, reverse("logins:sessions"))
    with page.expect_request(lambda r: reverse("notices:bell") in r.url) as polled:
        page.reload()  # the bell loads itself once the page is there, then polls
    assert polled.value.headers.get("hx-request") == "true"
    assert polled.value.headers.get("x-oceanis-background") == "1"
