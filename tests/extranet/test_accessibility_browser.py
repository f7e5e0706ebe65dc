"""axe-core (WCAG 2.1 A and AA rules, colour contrast included, and its best practices) on the
extranet, in headless Chromium on a desktop screen and a phone: no serious or critical violation
on the sign-in page, the home page, a request, a new request and the other pages of the menu."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.browser_checks import PHONE, axe_violations
from tests.extranet.conftest import PASSWORD
from tests.support.browser import BROWSER_TEST

pytestmark = BROWSER_TEST


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, PHONE], ids=["desktop", "phone"]
)
def test_extranet_pages_have_no_serious_accessibility_violation(
    live_server, browser, org_a, viewport
):
    page = browser.new_page(viewport=viewport, locale="fr-FR")
    page.goto(live_server.url + reverse("extranet:login"))
    found = {}
    if violations := axe_violations(page):
        found["login"] = violations
    page.fill("#id_username", org_a.contact.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("extranet:home"))

    today = timezone.localdate()
    pages = {
        "home": reverse("extranet:home"),
        "request": reverse("extranet:request", args=[org_a.ticket.pk]),
        "resolved request": reverse("extranet:request", args=[org_a.resolved.pk]),
        "new request": reverse("extranet:request_new"),
        "history": reverse("extranet:history"),
        "planning": reverse("extranet:planning_month", args=[today.year, today.month]),
        "documents": reverse("extranet:documents"),
        "service level": reverse("extranet:service_level"),
    }
    for name, url in pages.items():
        page.goto(live_server.url + url)
        if violations := axe_violations(page):
            found[name] = violations
    assert found == {}, "\n".join(f"{name}: {line}" for name, v in found.items() for line in v)
