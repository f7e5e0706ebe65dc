"""In Chromium, the main pages run under the Content-Security-Policy without one violation.

Every page is opened with a listener for `securitypolicyviolation` installed before any script
of the page, and the console is watched for "Content Security Policy" refusals. htmx requests
(the bell's load, the watchers panel, the client type-ahead) and the API docs' rendering happen
while it listens.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.extranet.conftest import PASSWORD, make_contact
from tests.factories import (
    ContractFactory,
    SiteFactory,
    TechnicianFactory,
    make_manager,
    make_ticket,
)
from tests.support.browser import BROWSER_TEST

pytestmark = BROWSER_TEST

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Watched:
    """A page whose CSP violations (events and console refusals) are collected."""

    def __init__(self, browser):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        self.page.add_init_script(LISTEN)
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def violations(self) -> list[str]:
        self.page.wait_for_timeout(300)  # reports are dispatched asynchronously
        return self.page.evaluate("window.__csp || []") + self.console

    def visit(self, url: str, ready: str | None = None):
        response = self.page.goto(url)
        assert response.ok, (url, response.status)
        assert response.headers["content-security-policy"]
        if ready:
            self.page.wait_for_selector(ready)
        return self.page


@pytest.fixture
def centre(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = make_manager("sophie")
    julien = TechnicianFactory(user__username="julien")
    contract = ContractFactory(client__name="Clinique du Littoral", client__code="littoral")
    site = SiteFactory(client=contract.client, name="Saint-Nazaire")
    contact = make_contact(contract.client, site=site, username="claire@littoral.test")
    ticket = make_ticket(client=contract.client, contact=contact, site=site, title="Messagerie")
    make_ticket(client=contract.client, title="Imprimante bloquée")
    return {"manager": manager, "julien": julien, "contact": contact, "ticket": ticket}


def _login(watched: Watched, url: str, username: str):
    page = watched.page
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_the_collector_sees_a_blocked_inline_script(live_server, browser, db):
    watched = Watched(browser)
    page = watched.visit(live_server.url + reverse("login"))
    page.evaluate(
        "document.head.appendChild(Object.assign(document.createElement('script'),"
        " {textContent: 'window.ran = true'}))"
    )
    assert page.evaluate("window.ran === undefined")
    assert any("script-src" in v for v in watched.violations())


def test_back_office_pages_show_no_csp_violation(live_server, browser, centre):
    from playwright.sync_api import expect

    watched = Watched(browser)
    _login(watched, live_server.url + reverse("login"), "sophie")
    page = watched.visit(live_server.url + "/", ready="#queue-rows")
    expect(page.locator("#notice-bell")).to_have_attribute("aria-label", re.compile(r"\("))
    with page.expect_navigation():  # the language picker submits itself (no inline handler)
        page.select_option("#lang", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    with page.expect_navigation():
        page.select_option("#lang", "fr")
    assert page.locator("html").get_attribute("lang") == "fr"

    page = watched.visit(live_server.url + reverse("backoffice:dispatch"), ready="#dispatch-live")
    page = watched.visit(
        live_server.url + reverse("backoffice:ticket", args=[centre["ticket"].reference]),
        ready="#watchers-panel",
    )
    page.locator("#watchers-panel").get_by_role("button", name="Suivre").click()  # htmx post
    expect(page.locator("#watchers-panel")).to_contain_text("Ne plus suivre")

    page = watched.visit(live_server.url + reverse("backoffice:ticket_new"), ready="#client-q")
    page.fill("#client-q", "littoral")  # htmx type-ahead
    # The client itself, not one of its contacts (the type-ahead lists both).
    page.locator("button.client-pick:not([data-testid=contact-pick])").filter(
        has_text="Clinique du Littoral"
    ).click()
    expect(page.locator("#id_contact")).to_be_attached()

    watched.visit(live_server.url + reverse("notices:list"))
    assert watched.violations() == []


def test_extranet_pages_show_no_csp_violation(live_server, browser, centre):
    watched = Watched(browser)
    _login(watched, live_server.url + reverse("extranet:home"), "claire@littoral.test")
    page = watched.visit(live_server.url + reverse("extranet:home"), ready="main")
    assert "Messagerie" in page.content()
    watched.visit(live_server.url + reverse("extranet:request", args=[centre["ticket"].pk]))
    assert watched.violations() == []


def test_the_api_docs_render_with_no_csp_violation(live_server, browser, db):
    watched = Watched(browser)
    watched.visit(live_server.url + "/api/v1/docs/", ready=".swagger-ui .info .title")
    watched.visit(live_server.url + "/api/v1/redoc/", ready="redoc h1")
    # Redoc's "by Redocly" footer fetches its logo from the vendor's CDN: blocked on purpose
    # (no third-party request from our pages); the image hides itself when it fails.
    vendor_logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
    assert [v for v in watched.violations() if vendor_logo not in v] == []


def test_live_regions_still_pause_their_refresh_while_a_ticket_is_selected(
    live_server, browser, centre
):
    """The pause used an htmx trigger filter (eval); it is now an htmx:confirm listener."""
    from playwright.sync_api import expect

    watched = Watched(browser)
    _login(watched, live_server.url + reverse("login"), "sophie")
    page = watched.visit(live_server.url + reverse("backoffice:dispatch"), ready="#dispatch-live")
    refresh = "document.body.dispatchEvent(new CustomEvent('oceanis:activity'))"
    page.evaluate("document.querySelector('#dispatch-live').dataset.old = 'yes'")
    page.locator("#dispatch-live input[type=checkbox]").first.check()
    page.evaluate(refresh)
    page.wait_for_timeout(1000)
    expect(page.locator("#dispatch-live")).to_have_attribute("data-old", "yes")  # not replaced
    page.locator("#dispatch-live input[type=checkbox]").first.uncheck()
    page.evaluate("document.activeElement.blur()")  # focus in a field pauses too
    page.evaluate(refresh)
    expect(page.locator("#dispatch-live")).not_to_have_attribute("data-old", "yes")  # refreshed
    assert watched.violations() == []
