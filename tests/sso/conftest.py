"""The local OpenID provider (tests/sso/oidc_provider.py) as a process on a loopback port, and
the settings that point Oceanis at it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.core.cache import cache

PROVIDER = Path(__file__).with_name("oidc_provider.py")
CLIENT_ID = "oceanis-desk"
CLIENT_SECRET = "client-secret-of-the-tests"
MANAGERS = "oceanis-managers"
DEPUTIES = "oceanis-deputies"
IDP_PASSWORD = "idp-pass"


@contextmanager
def provider_process(*args: str):
    """The provider running in its own process; its base URL while the block lasts."""
    process = subprocess.Popen(  # noqa: S603 - our own script, with this interpreter
        [sys.executable, str(PROVIDER), "--port", "0", *args], stdout=subprocess.PIPE, text=True
    )
    try:
        base = process.stdout.readline().strip()
        if not base.startswith(("http://127.0.0.1:", "https://127.0.0.1:")):
            raise RuntimeError(f"the OpenID provider did not start: {base!r}")
        yield base
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def oidc_provider_url():
    with provider_process() as base:
        yield base


class LocalProvider:
    """What the test tells the provider: its registered client, its people, its mood."""

    def __init__(self, base: str, ca: str | None = None) -> None:
        self.base = base
        self.verify: str | bool = ca or True
        self.redirect_uris = ["http://testserver/sso/callback/"]
        self.secret = CLIENT_SECRET
        self.users: dict[str, dict] = {}
        self.auto_login: str | None = None
        self.misbehave: list[str] = []
        self.push()

    def person(self, email, *, groups=None, verified=True, password=IDP_PASSWORD, **claims):
        """Someone the provider knows; ``groups=None`` leaves the groups claim out."""
        claims = {
            "sub": f"sub-{len(self.users) + 1}",
            "email": email,
            "email_verified": verified,
            "given_name": "Camille",
            "family_name": "Durand",
            **claims,
        }
        if groups is not None:
            claims["groups"] = groups
        self.users[email] = {"password": password, "claims": claims}
        self.push()

    def push(self) -> None:
        config = {
            "clients": {CLIENT_ID: {"secret": self.secret, "redirect_uris": self.redirect_uris}},
            "users": self.users,
            "auto_login": self.auto_login,
            "misbehave": self.misbehave,
        }
        answer = requests.post(f"{self.base}/_control", json=config, timeout=10, verify=self.verify)
        answer.raise_for_status()

    def log(self) -> list[dict]:
        return requests.get(f"{self.base}/_control", timeout=10, verify=self.verify).json()["log"]


def point_at(settings, base: str) -> None:
    """Oceanis configured for the local provider, by its issuer (discovery)."""
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = base
    settings.OIDC_PROVIDER_NAME = "Keycloak Oceanis"
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_MANAGER_GROUPS = [MANAGERS]
    settings.OIDC_DEPUTY_GROUPS = [DEPUTIES]
    cache.clear()  # the discovery document another test cached


@pytest.fixture
def oidc(oidc_provider_url, settings):
    point_at(settings, oidc_provider_url)
    yield LocalProvider(oidc_provider_url)
    cache.clear()


def callback_url(client, provider: LocalProvider, email: str, next_url: str = "") -> str:
    """Start a login in ``client`` and let the provider approve ``email`` over real HTTP; the
    path (with code and state) the provider sends the browser back to."""
    provider.auto_login = email
    provider.push()
    start = client.get("/sso/login/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start
    assert start["Location"].startswith(f"{provider.base}/authorize?")
    answer = requests.get(
        start["Location"], allow_redirects=False, timeout=10, verify=provider.verify
    )
    assert answer.status_code == 302, answer.text
    back = urlsplit(answer.headers["Location"])
    assert (back.scheme, back.netloc, back.path) == ("http", "testserver", "/sso/callback/")
    return f"{back.path}?{back.query}"


def sso_login(client, provider: LocalProvider, email: str, next_url: str = ""):
    """The round trip with Django's test client: Oceanis → provider → callback, whose response
    is returned; the token, JWKS and userinfo calls go over loopback to the provider process."""
    return client.get(callback_url(client, provider, email, next_url))
