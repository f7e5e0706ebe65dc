"""End to end in headless Chromium: a staff login with an authenticator app, the enrolment at a
first login, a passkey (Chromium's virtual authenticator), and a client admin requiring the
second factor of their organisation, whose contact is then sent to enrolment."""

from __future__ import annotations

import re
import time
from base64 import b32decode

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp_webauthn.models import WebAuthnCredential

from identity.models import OrganisationPolicy
from tests.factories import ContactFactory, ContractFactory, UserFactory
from tests.support.browser import BROWSER_TEST

from .conftest import PASSWORD, code_of, enrol_totp

pytestmark = BROWSER_TEST


def app_code(secret_text: str, steps: int = 0) -> str:
    """What an authenticator app computes from the secret shown on the page."""
    key = b32decode(secret_text.replace(" ", ""))
    maker = TOTP(key, 30, 0, 6)
    maker.time = time.time() + 30 * steps
    return f"{maker.token():06d}"


def log_in(page, url: str, username: str):
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")


def test_a_staff_login_with_an_authenticator_app(live_server, browser, tech, tmp_path):
    device, _codes = enrol_totp(tech.user)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    log_in(page, live_server.url + "/login/", "alice")
    page.wait_for_url(re.compile(r"/securite/verification/"))
    assert page.locator("h1").inner_text() == "Double authentification"
    page.screenshot(path=str(tmp_path / "staff-verify.png"))

    page.fill("#id_code", "000000" if code_of(device, steps=1) != "000000" else "111111")
    page.click("main button[type=submit]")
    assert "Code incorrect" in page.locator("[role=alert]").inner_text()
    time.sleep(1.1)  # past django-otp's throttle after a wrong code
    page.fill("#id_code", code_of(device, steps=1))
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    assert page.locator("nav.staff-nav").is_visible()
    page.screenshot(path=str(tmp_path / "staff-home.png"))
    # The admin is open to this session now, and still closed to a password-only one.
    assert page.goto(live_server.url + "/admin/").url.endswith("/admin/")


def test_a_first_staff_login_enrols_an_authenticator_app(
    live_server, browser, tech, settings, tmp_path
):
    settings.STAFF_REQUIRE_2FA = True
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    log_in(page, live_server.url + "/login/", "alice")
    page.wait_for_url(re.compile(r"/securite/application/"))
    assert "Activez la double authentification" in page.locator("h1").inner_text()
    assert page.locator(".identity-qr svg").is_visible()
    page.screenshot(path=str(tmp_path / "staff-enrol.png"), full_page=True)
    secret = page.locator("[data-secret]").inner_text()
    page.fill("#id_code", app_code(secret))
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/securite/codes-de-secours/"))
    assert page.locator("[data-codes] li").count() == 10
    page.screenshot(path=str(tmp_path / "staff-codes.png"), full_page=True)
    page.click("text=Continuer")
    page.wait_for_url(live_server.url + "/")


def test_a_staff_member_registers_a_passkey_and_logs_in_with_it(
    live_server, browser, tech, settings, tmp_path
):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")
    enrol_totp(tech.user)
    device = tech.user.totpdevice_set.get()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    log_in(page, live_server.url + "/login/", "alice")
    page.wait_for_url(re.compile(r"/securite/verification/"))
    page.fill("#id_code", code_of(device, steps=1))
    page.click("main button[type=submit]")
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + reverse("identity:factors"))
    page.click("#passkey-register-button")
    page.wait_for_selector("tbody tr:nth-child(2)", timeout=15000)  # reloaded, listed
    assert WebAuthnCredential.objects.filter(user=tech.user, confirmed=True).count() == 1
    page.screenshot(path=str(tmp_path / "staff-factors.png"), full_page=True)

    page.click("form[action='/logout/'] button")
    log_in(page, live_server.url + "/login/", "alice")
    page.wait_for_url(re.compile(r"/securite/verification/"))
    page.click("#passkey-verification-button")
    page.wait_for_url(live_server.url + "/", timeout=15000)
    assert page.locator("nav.staff-nav").is_visible()


def test_a_client_admin_requires_two_factor_and_a_contact_is_sent_to_enrolment(
    live_server, browser, tmp_path
):
    acme = ContractFactory(client__name="Acme Logistique", client__code="acme").client
    globex = ContractFactory(client__name="Globex", client__code="globex").client

    def contact(client, username, **kwargs):
        user = UserFactory(username=username, first_name=username.split("@")[0].title())
        return ContactFactory(client=client, user=user, email=user.email, **kwargs)

    contact(acme, "claire@acme.test", is_client_admin=True)
    contact(acme, "paul@acme.test")
    contact(globex, "gina@globex.test")
    login = live_server.url + reverse("extranet:login")

    admin = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    log_in(admin, login, "claire@acme.test")
    admin.wait_for_url(live_server.url + reverse("extranet:home"))
    admin.click(".xn-user >> text=Sécurité")
    admin.wait_for_url(live_server.url + reverse("extranet:security"))
    admin.check("#id_required")
    admin.screenshot(path=str(tmp_path / "client-admin-rule.png"), full_page=True)
    admin.click("text=Enregistrer")
    assert "désormais exigée" in admin.locator(".xn-messages").inner_text()
    assert OrganisationPolicy.objects.get(client=acme).require_2fa

    paul = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="fr-FR")
    log_in(paul, login, "paul@acme.test")
    paul.wait_for_url(re.compile(r"/extranet/securite/application/"))
    assert "Votre organisation exige" in paul.content()
    paul.screenshot(path=str(tmp_path / "client-enrol.png"), full_page=True)
    paul.goto(live_server.url + reverse("extranet:history"))  # nothing else is reachable
    assert "/extranet/securite/application/" in paul.url
    secret = paul.locator("[data-secret]").inner_text()
    paul.fill("#id_code", app_code(secret))
    paul.click("main button[type=submit]")
    paul.wait_for_url(re.compile(r"/extranet/securite/codes-de-secours/"))
    assert paul.locator("[data-codes] li").count() == 10
    paul.click("text=Continuer")
    paul.wait_for_url(live_server.url + reverse("extranet:home"))

    gina = browser.new_page(locale="fr-FR")
    log_in(gina, login, "gina@globex.test")
    gina.wait_for_url(live_server.url + reverse("extranet:home"))  # another organisation
