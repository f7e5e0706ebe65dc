"""Helpers for the second-factor tests: an enrolled user, the current code of their app, a login
through the real forms."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity import services
from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, UserFactory

PASSWORD = "secret-pass-123"


def code_of(device: TOTPDevice, *, steps: int = 0) -> str:
    """What the authenticator app shows now, or ``steps`` time steps (30 s) later."""
    device.refresh_from_db()
    maker = TOTP(device.bin_key, device.step, device.t0, device.digits)
    maker.time = time.time() + steps * device.step
    return f"{maker.token():0{device.digits}d}"


def enrol_totp(user) -> tuple[TOTPDevice, list[str]]:
    """A confirmed authenticator app and recovery codes, as the enrolment page leaves them.

    The enrolment spends the current time step: a login right after uses ``code_of(device, 1)``.
    """
    device = services.totp_pending_device(user=user)
    codes = services.totp_confirm(user=user, code=code_of(device), request=None)
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def later(seconds: float):
    """Travel ``seconds`` ahead (the clock keeps ticking): past a time step or a throttle."""
    return time_machine.travel(time.time() + seconds)


def password_login(browser: Client, username: str, url: str = "/login/"):
    return browser.post(url, {"username": username, "password": PASSWORD})


@pytest.fixture
def require_2fa(settings):
    settings.STAFF_REQUIRE_2FA = True


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="alice", user__email="alice@oceanis.test")


@pytest.fixture
def org_contacts(db):
    """Two organisations: Acme (an admin and a plain contact) and Globex (one contact)."""
    acme = ContractFactory(client__code="acme", client__name="Acme").client
    globex = ContractFactory(client__code="globex", client__name="Globex").client

    def contact(client, username, **kwargs):
        user = UserFactory(username=username)
        return ContactFactory(client=client, user=user, email=user.email, **kwargs)

    return {
        "acme": acme,
        "globex": globex,
        "admin": contact(acme, "admin@acme.test", is_client_admin=True),
        "plain": contact(acme, "paul@acme.test"),
        "other": contact(globex, "gina@globex.test"),
    }
