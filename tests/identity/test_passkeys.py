"""Passkey ceremonies (django-otp-webauthn behind identity.webauthn_views): staff only, a second
factor after the password, never a login by itself; a registration while a factor is owed is
refused. The full ceremony with a (virtual) authenticator is in test_browser.py."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ContactFactory, UserFactory

from .conftest import enrol_totp, password_login
from .test_reset import verified

pytestmark = pytest.mark.django_db

BEGIN_REGISTRATION = "otp_webauthn:credential-registration-begin"
BEGIN_AUTHENTICATION = "otp_webauthn:credential-authentication-begin"
COMPLETE_AUTHENTICATION = "otp_webauthn:credential-authentication-complete"


def post_json(browser: Client, name: str, data=None):
    return browser.post(reverse(name), data or {}, content_type="application/json")


def test_a_verified_staff_member_gets_registration_options(client, tech):
    verified(client, tech.user)
    response = post_json(client, BEGIN_REGISTRATION)
    assert response.status_code == 200
    options = response.json()
    assert options["rp"]["name"] == "Oceanis Service Desk"
    assert options["user"]["name"] == "alice"


def test_nobody_registers_a_passkey_while_owing_a_factor(client, tech):
    enrol_totp(tech.user)
    password_login(client, "alice")
    response = post_json(client, BEGIN_REGISTRATION)
    assert response.status_code == 403


def test_anonymous_visitors_and_contacts_get_no_ceremony(client, db):
    for name in (BEGIN_REGISTRATION, BEGIN_AUTHENTICATION):
        response = post_json(client, name)
        assert response.status_code in (401, 403), name
        assert "detail" in response.json()
    contact = ContactFactory(user=UserFactory(username="contact"))
    client.force_login(contact.user)
    for name in (BEGIN_REGISTRATION, BEGIN_AUTHENTICATION):
        response = post_json(client, name)
        assert response.status_code == 403 and response.json()["code"] == "staff_only", name


def test_a_forged_completion_is_refused_and_does_not_verify(client, tech):
    enrol_totp(tech.user)
    password_login(client, "alice")
    assert post_json(client, BEGIN_AUTHENTICATION).status_code == 200
    response = post_json(client, COMPLETE_AUTHENTICATION, {"id": "AAAA", "rawId": "AAAA"})
    assert 400 <= response.status_code < 500
    assert client.get("/")["Location"].startswith(reverse("identity:verify"))


def test_malformed_json_is_a_4xx(client, tech):
    verified(client, tech.user)
    response = client.post(
        reverse(BEGIN_REGISTRATION), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_passkeys_are_offered_on_the_relying_partys_host_only(client, tech, settings):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    verified(client, tech.user)
    elsewhere = client.get(reverse("identity:factors")).content.decode()
    assert "passkey-register-button" not in elsewhere
    here = client.get(reverse("identity:factors"), HTTP_HOST="localhost").content.decode()
    assert "passkey-register-button" in here
