"""Headless Chromium for the browser tests (marker ``browser``), driven by Playwright.

A browser test module declares ``pytestmark = BROWSER_TEST`` and takes the ``browser`` fixture
(with pytest-django's ``live_server``). One Chromium serves every browser test of a test process:
launching one per test cost seconds of setup and teardown each. A test still starts from a blank
browser: every context it opens (cookies, storage, tabs) is closed after it.

Signing in: ``login`` puts a session made by ``django.contrib.auth.login`` (as the test client's
``force_login``, with the ``user_logged_in`` receivers: second factor owed, login record) into
a new context. Tests about the sign-in page itself type the form (``PASSWORD``).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop on the main thread, and Django refuses ORM calls
# beside a running loop unless told they are safe (they are: the loop is Playwright's own).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"  # Debian's: Playwright cannot download its own build here
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's password
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

requires_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"
)
# Transactional: the live server's thread reads what the test writes, and the reverse.
BROWSER_TEST = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_chromium]


class _SharedChromium:
    """The test process's Chromium, launched by the first browser test that asks for it.

    It is stopped before any test that is not a browser test (tests/conftest.py): Playwright's
    loop, while it runs, is the thread's running event loop, which ``asyncio.run`` and
    ``async_to_sync`` refuse. Under xdist the browser tests run together on one worker
    (``--dist loadgroup``), so that worker launches it once."""

    def __init__(self):
        self._playwright = None
        self._chromium = None

    def get(self):
        if self._chromium is None or not self._chromium.is_connected():  # first, or crashed
            self.stop()
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._chromium = self._playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
        return self._chromium

    def stop(self) -> None:
        chromium, playwright = self._chromium, self._playwright
        self._chromium = self._playwright = None
        try:
            if chromium is not None and chromium.is_connected():
                chromium.close()
        finally:
            if playwright is not None:
                playwright.stop()


shared_chromium = _SharedChromium()


class Browser:
    """What a test sees of the shared Chromium: ``new_context`` and ``new_page`` as Playwright's
    ``Browser`` has them, each context remembered and closed when the test ends."""

    def __init__(self, chromium):
        self._chromium = chromium
        self._contexts = []

    def new_context(self, **options):
        context = self._chromium.new_context(**options)
        self._contexts.append(context)
        return context

    def new_page(self, **options):
        return self.new_context(**options).new_page()

    def close(self) -> None:
        from playwright.sync_api import Error as PlaywrightError

        for context in self._contexts:
            with contextlib.suppress(PlaywrightError):  # already dropped by the browser
                context.close()
        self._contexts.clear()

    def __getattr__(self, name):  # version, contexts, ...: the real browser's
        return getattr(self._chromium, name)


@pytest.fixture
def browser():
    """Debian's Chromium; the contexts and pages a test opens are closed after it."""
    instance = Browser(shared_chromium.get())
    yield instance
    instance.close()


def session_cookie(live_server, user) -> dict:
    """The cookie of a new signed-in session of ``user`` (a User or a username)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    if isinstance(user, str):
        user = get_user_model().objects.get(username=user)
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"name": name, "value": client.cookies[name].value, "url": live_server.url}


def signed_in_context(browser, live_server, user, **options):
    """A new context (desktop size, French unless ``options`` say otherwise) holding a session of
    ``user`` (a User or a username)."""
    context = browser.new_context(**{"viewport": DESKTOP, "locale": "fr-FR", **options})
    context.add_cookies([session_cookie(live_server, user)])
    return context


def login(browser, live_server, user, next_url: str = "/", **options):
    """A page of a new context signed in as ``user`` (see ``signed_in_context``), opened at
    ``next_url``."""
    page = signed_in_context(browser, live_server, user, **options).new_page()
    page.goto(live_server.url + next_url)
    return page
