"""Report pages and exports: managers only, clear errors on bad input, bounded queries."""

import io

import pytest
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import BillingOverride, ClientReport
from reports.periods import Period
from reports.services import client_report_generate
from tests.factories import ContactFactory, UserFactory
from tests.reports.conftest import NOW

MARCH = Period.month(2026, 3)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def stored(march):
    return client_report_generate(client=march.client_a, period=MARCH, now=NOW)


def urls(march, stored):
    query = f"?client={march.client_a.pk}&month=2026-03"
    return [
        ("get", reverse("reports:index") + query),
        ("get", reverse("reports:team") + "?month=2026-03"),
        ("get", reverse("reports:billing") + query),
        ("get", reverse("reports:export", args=["gti", "csv"]) + query),
        ("get", reverse("reports:export", args=["all", "xlsx"]) + query),
        ("get", reverse("reports:export", args=["team", "xlsx"]) + "?month=2026-03"),
        ("get", reverse("reports:export", args=["billing", "csv"]) + query),
        ("get", reverse("reports:export", args=["billing-overrides", "xlsx"]) + query),
        ("get", reverse("reports:monthly")),
        ("get", reverse("reports:monthly_download", args=[stored.pk])),
        ("post", reverse("reports:monthly")),
        ("post", reverse("reports:billing_override")),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, march, stored):
    for method, url in urls(march, stored):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_technicians_get_403_on_every_report_url(client, march, stored):
    client.force_login(march.tech1.user)
    for method, url in urls(march, stored):
        assert getattr(client, method)(url).status_code == 403, url


def test_client_contacts_get_403_on_every_report_url(client, march, stored):
    user = UserFactory(username="contact-a")
    ContactFactory(client=march.client_a, user=user, is_client_admin=True)
    client.force_login(user)
    for method, url in urls(march, stored):
        assert getattr(client, method)(url).status_code == 403, url
    assert not BillingOverride.objects.exists()


def test_managers_reach_every_page_and_export(client, march, stored):
    client.force_login(march.manager.user)
    for method, url in urls(march, stored):
        if method == "get":
            response = client.get(url)
            assert response.status_code == 200, url


def test_the_report_page_shows_each_chart_beside_its_table(client, march):
    client.force_login(march.manager.user)
    response = client.get(
        reverse("reports:index"), {"client": march.client_a.pk, "month": "2026-03"}
    )
    html = response.content.decode()
    assert "Rapport de service – Acme – mars 2026" in html
    assert html.count('<svg class="chart"') == 8  # 5 breakdowns, GTI, backlog, volume
    assert "<title" in html and "<desc" in html
    assert "Taux de respect de la GTI par urgence" in html
    assert march.t[2].reference in html  # in the breach list


def test_exports_download_as_attachments_with_the_filters_applied(client, march):
    client.force_login(march.manager.user)
    response = client.get(
        reverse("reports:export", args=["all", "xlsx"]),
        {"client": march.client_a.pk, "month": "2026-03"},
    )
    assert response["Content-Disposition"] == (
        'attachment; filename="all-acme-20260301-20260331.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book["Demandes par nature"]["B2"].value == 5
    csv_response = client.get(
        reverse("reports:export", args=["urgency", "csv"]), {"month": "2026-03"}
    )
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert "Critique;3;" in csv_response.content.decode("utf-8-sig")  # whole centre


def test_bad_filters_are_explained_not_guessed(client, march):
    client.force_login(march.manager.user)
    bad = client.get(reverse("reports:index"), {"month": "2026-13"})
    assert bad.status_code == 400
    assert "Mois invalide" in bad.content.decode()
    reversed_range = client.get(
        reverse("reports:team"), {"start": "2026-03-10", "end": "2026-03-01"}
    )
    assert reversed_range.status_code == 400
    assert "précède son début" in reversed_range.content.decode()
    half = client.get(reverse("reports:export", args=["gti", "csv"]), {"start": "2026-03-10"})
    assert half.status_code == 400
    assert "début et la fin" in half.content.decode()
    no_client = client.get(reverse("reports:export", args=["billing", "csv"]), {"month": "2026-03"})
    assert no_client.status_code == 400
    assert client.get(reverse("reports:export", args=["nope", "csv"])).status_code == 404
    assert client.get(reverse("reports:export", args=["gti", "pdf"])).status_code == 404


def test_a_manager_records_a_billing_override_from_the_billing_page(client, march):
    client.force_login(march.manager.user)
    back = reverse("reports:billing") + f"?client={march.client_a.pk}&month=2026-03"
    response = client.post(
        reverse("reports:billing_override"),
        {
            "ticket": march.t[1].pk,
            "billable": "yes",
            "rate": "110",
            "reason": "Hors périmètre",
            "next": back,
        },
    )
    assert response.status_code == 302 and response.url == back
    override = BillingOverride.objects.get()
    assert (override.ticket, override.billable, override.rate) == (march.t[1], True, 110)
    assert override.by == march.manager.user
    page = client.get(back).content.decode()
    assert "Hors périmètre" in page


def test_an_override_without_reason_or_change_is_refused_with_a_message(client, march):
    client.force_login(march.manager.user)
    response = client.post(
        reverse("reports:billing_override"),
        {
            "ticket": march.t[1].pk,
            "billable": "",
            "rate": "",
            "reason": "x",
            "next": "https://evil.test/",
        },
        follow=True,
    )
    assert not BillingOverride.objects.exists()
    assert "Indiquez le caractère facturable" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("reports:billing")  # never off-site
    client.post(
        reverse("reports:billing_override"), {"ticket": 999999, "billable": "yes", "reason": "x"}
    )
    assert not BillingOverride.objects.exists()


def test_generating_on_demand_runs_the_task_and_lists_the_report(
    client, march, django_capture_on_commit_callbacks
):
    client.force_login(march.manager.user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("reports:monthly"), {"client": march.client_a.pk, "month": "2026-03"}
        )
    assert response.status_code == 302 and len(callbacks) == 1
    report = ClientReport.objects.get()
    assert (report.client, report.period_start, report.generated_by) == (
        march.client_a,
        MARCH.start,
        march.manager.user,
    )
    listing = client.get(reverse("reports:monthly")).content.decode()
    assert reverse("reports:monthly_download", args=[report.pk]) in listing
    pdf = client.get(reverse("reports:monthly_download", args=[report.pk]))
    assert pdf["Content-Disposition"] == 'attachment; filename="rapport-acme-2026-03.pdf"'
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    bad = client.post(reverse("reports:monthly"), {"client": march.client_a.pk, "month": "mars"})
    assert bad.status_code == 400


def test_an_unknown_report_is_a_404(client, march):
    client.force_login(march.manager.user)
    assert client.get(reverse("reports:monthly_download", args=[424242])).status_code == 404


@pytest.mark.parametrize("extra_tickets", [0, 25])
def test_the_report_page_query_count_does_not_grow_with_tickets(
    client, march, extra_tickets, django_assert_max_num_queries
):
    from tests.factories import make_ticket
    from tests.reports.conftest import at

    for i in range(extra_tickets):
        make_ticket(client=march.client_a, created_at=at(10 + i % 15, 9), equipment=f"PC-{i % 7}")
    client.force_login(march.manager.user)
    # SQLite reads each percentile with LIMIT/OFFSET (8 more queries); PostgreSQL in one query
    # but turns the JIT off in a savepoint first (3 statements).
    postgres = connection.vendor == "postgresql"
    # + 2: customer satisfaction by month and by technician (reports/satisfaction.py).
    with django_assert_max_num_queries(20 if postgres else 25):
        client.get(reverse("reports:index"), {"client": march.client_a.pk, "month": "2026-03"})
    with django_assert_max_num_queries(12 if postgres else 9):
        client.get(reverse("reports:team"), {"month": "2026-03"})
    with django_assert_max_num_queries(14 if postgres else 11):
        client.get(reverse("reports:billing"), {"client": march.client_a.pk, "month": "2026-03"})
