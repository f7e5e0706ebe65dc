"""In headless Chromium: a contact typing a new request's title sees a suggested article, opens
it, and the suggestion is counted."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from knowledge import services
from knowledge.models import Deflection, Visibility
from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = "/usr/bin/chromium"
# Looked at by whoever changes these pages; not part of the README's gallery.
SHOTS = Path(tempfile.gettempdir()) / "oceanis-screenshots"
PASSWORD = "secret-pass-123"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


def test_a_contact_typing_a_request_title_sees_a_suggested_article(live_server, browser, tmp_path):
    tech = TechnicianFactory(user__username="redacteur")
    client = ContractFactory(client__name="Clinique du Littoral").client
    user = UserFactory(username="claire@littoral.test", email="claire@littoral.test")
    ContactFactory(client=client, user=user, email=user.email, first_name="Claire")
    services.article_create(
        by=tech.user,
        title="Imprimante : débloquer un bourrage papier",
        body="1. Ouvrir le capot avant\n2. Retirer la feuille **doucement**",
        visibility=Visibility.ALL_CLIENTS,
    )
    services.article_create(by=tech.user, title="Imprimante : code admin", body="interne")

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(live_server.url + reverse("extranet:login"))
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + reverse("extranet:home"))

    page.goto(live_server.url + reverse("extranet:request_new"))
    page.locator("#id_title").press_sequentially("Bourrage imprim", delay=40)
    suggestion = page.locator("#kb-suggest a", has_text="débloquer un bourrage papier")
    suggestion.wait_for(timeout=10_000)
    assert "code admin" not in page.locator("#kb-suggest").inner_text()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "kb-suggestions.png"), full_page=True)

    with page.expect_popup() as popup:
        suggestion.click()
    article = popup.value
    article.wait_for_load_state()
    assert "doucement" in article.locator("strong").all_inner_texts()

    row = Deflection.objects.get()
    assert row.suggestions_shown >= 1 and row.articles_opened == 1 and row.submitted_at is None
