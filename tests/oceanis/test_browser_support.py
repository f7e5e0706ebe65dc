"""The browser tests' shared Chromium (tests/support/browser.py): one per process, yet each test
starts from a browser with nothing open; a session cookie signs a page in; no other test finds
Playwright's event loop running on its thread."""

from __future__ import annotations

import asyncio

import pytest

from tests.factories import TechnicianFactory
from tests.support.browser import login, requires_chromium, shared_chromium

SEEN = {}


@pytest.mark.parametrize("turn", [1, 2])
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@requires_chromium
def test_each_test_gets_the_same_chromium_with_nothing_left_open(live_server, browser, turn):
    assert browser.contexts == []  # the previous test's contexts and tabs are closed
    SEEN.setdefault("chromium", browser._chromium)
    assert browser._chromium is SEEN["chromium"]  # launched once per process, not per test
    TechnicianFactory(user__username=f"julien{turn}", user__first_name="Julien")
    page = login(browser, live_server, f"julien{turn}", "/")
    assert page.url == live_server.url + "/"  # signed in: not sent to /login/
    assert page.locator("#notice-bell").count() == 1
    assert len(browser.contexts) == 1


def test_a_test_that_is_not_a_browser_test_runs_without_playwright_s_loop():
    assert shared_chromium._chromium is None
    with pytest.raises(RuntimeError):
        asyncio.get_running_loop()
    assert asyncio.run(asyncio.sleep(0, result="ran")) == "ran"
