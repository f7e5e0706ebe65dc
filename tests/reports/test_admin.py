"""A monthly report in the admin links to the reports' permission-checked download, never to
its media URL (which answers 404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from reports.models import ClientReport
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_report_admin_links_to_the_checked_download(admin_client):
    report = ClientReport(
        client=ClientFactory(), period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31)
    )
    report.file.save("rapport.pdf", ContentFile(b"%PDF-1.4 rapport"), save=False)
    report.size = 16
    report.save()
    page = admin_client.get(reverse("admin:reports_clientreport_change", args=[report.pk]))
    content = page.content.decode()
    download = reverse("reports:monthly_download", args=[report.pk])
    assert f'href="{download}"' in content and "/media/" not in content
    response = admin_client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 rapport"
