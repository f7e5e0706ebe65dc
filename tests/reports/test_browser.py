"""In headless Chromium: a manager reads the monthly report, charts beside their tables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reports.conftest import build_march

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


@pytest.fixture
def page(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        yield page
        browser.close()


def login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "secret-pass-123")
    page.click("button[type=submit]")


def test_a_manager_reads_the_monthly_report_with_its_charts(page, live_server):
    march = build_march()
    login(page, live_server, "boss")
    page.goto(f"{live_server.url}/reports/?client={march.client_a.pk}&month=2026-03")
    assert page.locator("h1").inner_text().endswith("Acme – mars 2026")
    gti = page.locator("#t-gti")
    assert (
        gti.locator("svg[role=img] title").text_content() == "Taux de respect de la GTI par urgence"
    )
    assert "60,0 %" in gti.locator("table").inner_text()
    # The chart sits beside its table on a wide screen.
    chart_box = gti.locator("svg").bounding_box()
    table_box = gti.locator("table").bounding_box()
    assert chart_box["x"] + chart_box["width"] <= table_box["x"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "reports.png"), full_page=False)
    page.goto(f"{live_server.url}/reports/equipe/?month=2026-03")
    assert "Alice A" in page.locator("#t-team table").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "reports-team.png"))


def test_a_technician_is_refused_the_reports(page, live_server):
    build_march()
    login(page, live_server, "tech1")
    response = page.goto(f"{live_server.url}/reports/")
    assert response.status == 403
