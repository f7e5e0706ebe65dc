"""In headless Chromium: a manager reads the monthly report, charts beside their tables."""

from __future__ import annotations

from tests.reports.conftest import build_march
from tests.support.browser import BROWSER_TEST, SCREENSHOTS, login, signed_in_context

pytestmark = BROWSER_TEST


def test_a_manager_reads_the_monthly_report_with_its_charts(browser, live_server):
    march = build_march()
    page = login(
        browser, live_server, "boss", f"/reports/?client={march.client_a.pk}&month=2026-03"
    )
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


def test_a_technician_is_refused_the_reports(browser, live_server):
    build_march()
    page = signed_in_context(browser, live_server, "tech1").new_page()
    response = page.goto(f"{live_server.url}/reports/")
    assert response.status == 403
