"""In headless Chromium: the staff login page's SSO button, the local provider's own login form,
and the back-office on return."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.factories import TechnicianFactory
from tests.support.browser import BROWSER_TEST

from .conftest import IDP_PASSWORD

pytestmark = BROWSER_TEST


def test_the_sso_button_leads_through_the_provider_to_the_back_office(
    live_server, browser, oidc, tmp_path
):
    TechnicianFactory(
        user__username="julie",
        user__email="julie.martin@oceanis.fr",
        user__first_name="Julie",
        user__last_name="Martin",
    )
    oidc.redirect_uris = [f"{live_server.url}/sso/callback/"]
    oidc.person("julie.martin@oceanis.fr")
    tab = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    tab.goto(f"{live_server.url}/login/")
    tab.screenshot(path=str(tmp_path / "sso-login.png"))
    tab.click("text=Se connecter avec Keycloak Oceanis")
    tab.wait_for_url(f"{oidc.base}/authorize?**")
    expect(tab.locator("h1")).to_have_text("Fournisseur d'identité de test")
    tab.fill("#email", "julie.martin@oceanis.fr")
    tab.fill("#password", IDP_PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")
    expect(tab.locator(".topbar .user")).to_contain_text("Julie Martin")
    tab.screenshot(path=str(tmp_path / "sso-back-office.png"))
