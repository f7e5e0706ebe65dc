"""The whole extranet on a 390 × 844 phone, in headless Chromium: every page fits the screen
(no sideways scrolling of the page), values are not cut inside a word, every navigation link
and the sign-out button are within reach, and a request can be opened and commented.
Screenshots go to docs/screenshots/ (extranet-home-phone.png, extranet-request-phone.png)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from tests.browser_checks import PHONE, horizontal_overflow, outside_viewport, words_broken
from tests.extranet.conftest import PASSWORD
from tests.support.browser import BROWSER_TEST, SCREENSHOTS

pytestmark = BROWSER_TEST


def phone_page(browser, live_server, contact):
    page = browser.new_page(viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True)
    page.goto(live_server.url + reverse("extranet:login"))
    assert horizontal_overflow(page) == []  # the sign-in card fits too
    page.fill("#id_username", contact.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("extranet:home"))
    return page


def assert_fits_the_phone(page):
    assert horizontal_overflow(page) == [], page.url
    assert words_broken(page, ".xn-top, .xn-main") == [], page.url
    assert (
        outside_viewport(page, ".xn-nav a, .xn-user a, .xn-user button, .xn-user select") == []
    ), page.url


def test_every_extranet_page_fits_a_phone(live_server, browser, org_a):
    org_a.client.name = "Vendée Logistique et Transports de l'Atlantique"
    org_a.client.save()
    page = phone_page(browser, live_server, org_a.contact)
    today = timezone.localdate()
    urls = [
        reverse("extranet:home"),
        reverse("extranet:request", args=[org_a.ticket.pk]),
        reverse("extranet:request", args=[org_a.closed.pk]),
        reverse("extranet:request_new"),
        reverse("extranet:history"),
        reverse("extranet:planning"),
        reverse("extranet:planning_month", args=[today.year, today.month]),
        reverse("extranet:documents"),
        reverse("extranet:service_level"),
        reverse("extranet:projects"),
        reverse("extranet:incidents"),
        reverse("extranet:security"),
    ]
    for url in urls:
        page.goto(live_server.url + url)
        assert page.locator(".xn-nav a").count() == 9  # with Comités
        assert page.locator(".xn-user a").count() == 2  # Sécurité, Mes sessions
        assert_fits_the_phone(page)


def test_a_contact_follows_and_comments_a_request_on_a_phone(live_server, browser, org_a):
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    org_a.client.name = "Vendée Logistique"
    org_a.client.save()
    page = phone_page(browser, live_server, org_a.contact)
    page.screenshot(path=str(SCREENSHOTS / "extranet-home-phone.png"))  # the first screen

    page.get_by_role("link", name=org_a.ticket.reference).first.click()
    page.wait_for_url(live_server.url + reverse("extranet:request", args=[org_a.ticket.pk]))
    expect(page.locator(".xn-main")).to_contain_text("Compte-rendu public a")
    page.fill("#id_body", "Merci, le serveur répond de nouveau.")
    page.click("#commenter button[type=submit]")
    expect(page.locator(".xn-messages")).to_contain_text("Votre commentaire a été ajouté")
    assert_fits_the_phone(page)
    page.screenshot(path=str(SCREENSHOTS / "extranet-request-phone.png"), full_page=True)

    page.get_by_role("link", name="Nouvelle demande").first.click()
    page.wait_for_url(live_server.url + reverse("extranet:request_new"))
    assert_fits_the_phone(page)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(live_server.url + reverse("extranet:login") + "*")
