"""A service manager opens the service report, its exports and the monthly PDFs of their
portfolio's clients, never another client's, the whole centre's, the team view or billing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from reports.models import ClientReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def pdfs(settings, tmp_path, acme, globex):
    settings.MEDIA_ROOT = tmp_path
    made = {}
    for client in (acme, globex):
        report = ClientReport(
            client=client, period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31)
        )
        report.file.save(f"{client.code}.pdf", ContentFile(b"%PDF-1.4 demo"), save=True)
        made[client.code] = report
    return made


def test_the_service_report_of_a_portfolio_client(client, portfolios, claire, acme, globex):
    client.force_login(claire)
    page = client.get(reverse("reports:index"), {"client": acme.pk, "month": "2026-10"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "Rapport de service – Acme Logistique" in body
    assert "Globex" not in body  # not even among the choices
    assert reverse("reports:billing") not in body  # the managers' pages are not offered


def test_without_a_client_the_first_of_the_portfolio_never_the_centre(client, portfolios, claire):
    client.force_login(claire)
    body = client.get(reverse("reports:index")).content.decode()
    assert "Rapport de service – Acme Logistique" in body
    assert "Tout le centre" not in body


def test_another_client_or_the_whole_centre_is_refused(client, portfolios, claire, globex):
    client.force_login(claire)
    assert client.get(reverse("reports:index"), {"client": globex.pk}).status_code == 400
    assert client.get(reverse("reports:index"), {"month": "2026-10"}).status_code == 400
    export = reverse("reports:export", args=["gti", "csv"])
    assert client.get(export, {"client": globex.pk}).status_code == 400
    assert client.get(export, {"month": "2026-10"}).status_code == 400
    for name in ("reports:team", "reports:billing", "reports:monthly"):
        assert client.get(reverse(name)).status_code == 403, name
    team_export = reverse("reports:export", args=["team", "csv"])
    assert client.get(team_export, {"client": globex.pk}).status_code == 403
    billing_export = reverse("reports:export", args=["billing", "csv"])
    assert client.get(billing_export, {"client": globex.pk}).status_code == 403


def test_exports_of_a_portfolio_client(client, portfolios, claire, acme):
    client.force_login(claire)
    response = client.get(
        reverse("reports:export", args=["gti", "csv"]), {"client": acme.pk, "month": "2026-10"}
    )
    assert response.status_code == 200
    assert "acme" in response["Content-Disposition"]


def test_monthly_pdfs_of_the_portfolio_only(client, portfolios, claire, pdfs):
    client.force_login(claire)
    ok = client.get(reverse("reports:monthly_download", args=[pdfs["acme"].pk]))
    assert ok.status_code == 200 and b"".join(ok.streaming_content).startswith(b"%PDF")
    refused = client.get(reverse("reports:monthly_download", args=[pdfs["globex"].pk]))
    assert refused.status_code == 403


def test_a_technician_still_sees_no_report(client, portfolios, tech, pdfs, acme):
    client.force_login(tech)
    assert client.get(reverse("reports:index"), {"client": acme.pk}).status_code == 403
    assert (
        client.get(reverse("reports:monthly_download", args=[pdfs["acme"].pk])).status_code == 403
    )


def test_the_manager_keeps_the_whole_centre(client, portfolios, boss, pdfs):
    client.force_login(boss)
    body = client.get(reverse("reports:index")).content.decode()
    assert "Tout le centre" in body
    assert (
        client.get(reverse("reports:monthly_download", args=[pdfs["globex"].pk])).status_code == 200
    )
