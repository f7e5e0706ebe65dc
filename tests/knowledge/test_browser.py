"""In headless Chromium: a contact typing a new request's title sees a suggested article, opens
it, and the suggestion is counted."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.urls import reverse

from knowledge import services
from knowledge.models import Deflection, Visibility
from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, UserFactory
from tests.support.browser import BROWSER_TEST, login

# Looked at by whoever changes these pages; not part of the README's gallery.
SHOTS = Path(tempfile.gettempdir()) / "oceanis-screenshots"

pytestmark = BROWSER_TEST


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

    page = login(browser, live_server, user, reverse("extranet:request_new"))
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
