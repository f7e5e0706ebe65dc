"""In headless Chromium: the bell of a page outside the back-office layout counts a new notice
without reloading the page, and names the count for screen readers."""

from __future__ import annotations

from notices.models import NoticeKind
from notices.services import Draft, notices_create
from tests.factories import TechnicianFactory
from tests.support.browser import BROWSER_TEST, login

pytestmark = BROWSER_TEST


def test_the_bell_counts_a_new_notice_without_reload(live_server, browser, settings):
    settings.NOTICES_BELL_REFRESH_SECONDS = 1
    tech = TechnicianFactory(user__username="julien")
    tab = login(browser, live_server, tech.user, "/incidents/", viewport=None)
    bell = tab.locator("#notice-bell")
    bell.wait_for()
    # Swapped in by htmx at load: the label now carries the count.
    # (a locator assertion: wait_for_function's string would need eval, which the CSP blocks)
    import re

    from playwright.sync_api import expect

    expect(tab.locator("#notice-bell")).to_have_attribute("aria-label", re.compile(r"\("))
    tab.evaluate("window.__same_page = true")
    notices_create(
        drafts=[
            Draft(
                recipient_id=tech.user.pk,
                kind=NoticeKind.ASSIGNED,
                source="browser",
                params={"reference": "OC-2026-000042", "title": "VPN"},
            )
        ]
    )
    tab.locator("#notice-bell .notice-count").filter(has_text="1").wait_for(timeout=10_000)
    assert bell.get_attribute("aria-label") == "Notifications (1 non lue)"
    assert tab.evaluate("window.__same_page") is True  # no reload happened
    bell.click()
    tab.wait_for_url("**/notifications/")
    assert "OC-2026-000042 vous est affectée" in tab.content()
