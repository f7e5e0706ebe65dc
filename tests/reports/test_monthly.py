"""The monthly client report: PDF content, storage, extranet sharing and the Celery tasks."""

import io

import pytest
import time_machine
from django.conf import settings
from pypdf import PdfReader

from reports.models import ClientReport
from reports.pdf import render_report_pdf
from reports.periods import Period
from reports.selectors.service import ServiceReport
from reports.services import client_report_generate, project_document_model
from reports.tasks import generate_monthly_reports
from tests.factories import ClientFactory
from tests.reports.conftest import NOW

MARCH = Period.month(2026, 3)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf_lines(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    # Whitespace normalised: table cells wrap their text over several lines.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_pdf_carries_the_figures_of_the_month(march):
    content = render_report_pdf(ServiceReport(march.client_a, MARCH, as_of=NOW))
    assert content.startswith(b"%PDF-")
    text = pdf_lines(content)
    assert "Rapport de service" in text and "Acme" in text and "mars 2026" in text
    assert "Respect de la GTI par urgence" in text
    assert "Toutes urgences 5 3 2 60,0 %" in text
    assert "Critique 2 1 1 50,0 %" in text
    # Median and p90 of the business TI: 75 min and 258 min (4 h 18).
    assert "Délai de prise en charge (heures ouvrées) 4 1 h 15 4 h 18" in text
    assert "Temps de traitement (calendaire) 3 6 h 00 16 h 00" in text
    assert "31/03/2026 3" in text  # backlog at the end of the month
    assert "Taux de réouverture" in text and "33,3 %" in text
    assert march.t[2].reference in text and march.t[5].reference in text
    assert "Firewall FW-01 2" in text


def test_any_text_is_drawn_as_written_and_a_glyph_the_font_lacks_is_not_fatal(march):
    march.t[1].__class__.objects.filter(pk=march.t[1].pk).update(equipment="Serveur Łódź ☃")
    text = pdf_lines(render_report_pdf(ServiceReport(march.client_a, MARCH, as_of=NOW)))
    assert "Serveur Łódź" in text


def test_generating_stores_the_file_under_a_random_name_and_regenerating_replaces_it(march):
    first = client_report_generate(client=march.client_a, period=MARCH, now=NOW)
    path = first.file.path
    assert first.file.name.startswith(f"reports/{march.client_a.pk}/")
    assert "acme" not in first.file.name
    assert str(settings.MEDIA_ROOT) in path
    assert pdf_lines(first.file.read()).count("Acme") >= 1
    second = client_report_generate(client=march.client_a, period=MARCH, by=march.manager.user)
    assert second.pk == first.pk and ClientReport.objects.count() == 1
    assert second.file.name != first.file.name
    assert second.generated_by == march.manager.user


@pytest.mark.django_db(transaction=True)
def test_the_replaced_file_is_deleted_once_committed(tmp_path):
    from tests.reports.conftest import build_march

    march = build_march()
    first = client_report_generate(client=march.client_a, period=MARCH, now=NOW)
    old_path = first.file.path
    client_report_generate(client=march.client_a, period=MARCH, now=NOW)
    import os

    assert not os.path.exists(old_path)


@pytest.mark.skipif(project_document_model() is None, reason="extranet.ProjectDocument missing")
def test_the_report_is_offered_in_the_clients_extranet_documents(march):
    document_model = project_document_model()
    report = client_report_generate(client=march.client_a, period=MARCH, now=NOW)
    document = document_model.objects.get(pk=report.extranet_document_id)
    assert document.client == march.client_a
    assert document.content_type == "application/pdf"
    assert document.original_name == "rapport-acme-2026-03.pdf"
    assert document.file.name != report.file.name  # the extranet owns its copy
    assert document.file.read() == report.file.read()
    again = client_report_generate(client=march.client_a, period=MARCH, now=NOW)
    assert again.extranet_document_id == document.pk
    assert document_model.objects.filter(client=march.client_a).count() == 1
    assert not document_model.objects.filter(client=march.client_b).exists()


def test_without_the_extranet_model_the_report_is_stored_but_not_shared(march, monkeypatch):
    monkeypatch.setattr("reports.services.project_document_model", lambda: None)
    report = client_report_generate(client=march.client_a, period=MARCH, now=NOW)
    assert report.extranet_document_id is None and report.size > 1000


def test_the_monthly_task_reports_last_month_for_every_client_under_contract_or_active(march):
    ClientFactory(name="Dormant", code="dormant")  # no contract, no ticket
    with time_machine.travel(NOW, tick=False):
        assert generate_monthly_reports() == 2
    reports = ClientReport.objects.order_by("client__name")
    assert [(r.client.code, r.period_start, r.period_end) for r in reports] == [
        ("acme", MARCH.start, MARCH.end),
        ("beta", MARCH.start, MARCH.end),
    ]


def test_the_monthly_task_runs_on_the_first_at_six_paris_time():
    entry = settings.CELERY_BEAT_SCHEDULE["reports-monthly-client-reports"]
    assert entry["task"] == "reports.tasks.generate_monthly_reports"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1} and schedule.hour == {6} and schedule.minute == {0}
    assert settings.CELERY_TIMEZONE == "Europe/Paris"


def _extranet_download_url(document_id):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("extranet:document_download", args=[document_id])
    except NoReverseMatch:
        return None


@pytest.mark.skipif(project_document_model() is None, reason="extranet.ProjectDocument missing")
def test_a_contact_downloads_their_report_from_the_extranet_and_no_one_else_does(client, march):
    from tests.factories import ContactFactory, UserFactory

    report = client_report_generate(client=march.client_a, period=MARCH, now=NOW)
    url = _extranet_download_url(report.extranet_document_id)
    if url is None:
        pytest.skip("the extranet has no document download view")
    own = UserFactory(username="claire@acme.test")
    ContactFactory(client=march.client_a, user=own)
    other = UserFactory(username="bob@beta.test")
    ContactFactory(client=march.client_b, user=other)
    client.force_login(own)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    client.force_login(other)
    assert client.get(url).status_code == 404
