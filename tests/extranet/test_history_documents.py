"""History with CSV export, project documents and downloads."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from extranet.models import ProjectDocument
from extranet.services import document_add
from tests.factories import make_ticket
from tickets import services

pytestmark = pytest.mark.django_db


def close(ticket, tech, synthesis="Fait", at=None):
    services.ticket_take_in_charge(ticket=ticket, by=tech.user, at=at)
    services.ticket_resolve(ticket=ticket, by=tech.user, note="Corrigé.", at=at)
    return services.ticket_close(ticket=ticket, by=tech.user, synthesis=synthesis, at=at)


def test_history_lists_closed_requests_with_their_reports(contact_client, org_a, org_b):
    response = contact_client.get(reverse("extranet:history"))
    body = response.content.decode()
    assert org_a.closed.reference in body and "CR clôturé a" in body and "Synthèse a" in body
    assert org_a.ticket.reference not in body
    assert org_b.closed.reference not in body


def test_history_filters_by_closing_date_and_site(contact_client, org_a, tech):
    old = make_ticket(
        client=org_a.client,
        site=org_a.other_site,
        title="Vieille",
        created_at=timezone.now() - dt.timedelta(days=40),
    )
    close(old, tech, at=timezone.now() - dt.timedelta(days=30))
    url = reverse("extranet:history")
    today = timezone.localdate()
    recent = contact_client.get(url, {"start": today - dt.timedelta(days=2)}).context["page"]
    assert {t.pk for t in recent} == {org_a.closed.pk}
    older = contact_client.get(url, {"end": today - dt.timedelta(days=10)}).context["page"]
    assert {t.pk for t in older} == {old.pk}
    by_site = contact_client.get(url, {"site": org_a.other_site.pk}).context["page"]
    assert {t.pk for t in by_site} == {old.pk}
    bad = contact_client.get(url, {"start": "2025-02-01", "end": "2025-01-01"})
    assert "doit précéder" in bad.content.decode()


def test_history_is_n_plus_one_free(contact_client, org_a, tech, django_assert_num_queries):
    for i in range(8):
        ticket = make_ticket(client=org_a.client, site=org_a.site, title=f"Close {i}")
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        services.ticket_add_entry(ticket=ticket, by=tech.user, body=f"CR {i}", public=True)
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Corrigé.")
        services.ticket_close(ticket=ticket, by=tech.user, synthesis="ok")
    # session, user, contact, sites count, page count, rows, prefetched reports, prefetched
    # closing events (the synthesis in the reader's language), site options, incident banner
    with django_assert_num_queries(10):
        response = contact_client.get(reverse("extranet:history"))
    assert len(response.context["page"].object_list) == 9


def test_csv_export_is_scoped_filtered_and_formula_safe(contact_client, org_a, org_b, tech):
    risky = make_ticket(client=org_a.client, site=org_a.site, title='=HYPERLINK("http://x")')
    close(risky, tech, synthesis="+33 1 23")
    response = contact_client.get(reverse("extranet:history_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Référence"
    refs = {row[0] for row in rows[1:]}
    assert refs == {org_a.closed.reference, risky.reference}
    assert org_b.closed.reference not in response.content.decode("utf-8-sig")
    risky_row = next(r for r in rows if r[0] == risky.reference)
    assert risky_row[1].startswith("'=") and risky_row[8].startswith("'+")
    closed_row = next(r for r in rows if r[0] == org_a.closed.reference)
    assert "CR clôturé a" in closed_row[9]
    site_only = contact_client.get(reverse("extranet:history_csv"), {"site": org_a.other_site.pk})
    assert len(site_only.content.decode("utf-8-sig").strip().splitlines()) == 1


def test_downloads_are_attachments_never_rendered_inline(contact_client, org_a):
    response = contact_client.get(
        reverse("extranet:attachment_download", args=[org_a.attachment.pk])
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert org_a.attachment.original_name in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4 public"


def test_documents_list_and_download_for_the_clients_contacts_only(contact_client, org_a, org_b):
    body = contact_client.get(reverse("extranet:documents")).content.decode()
    assert org_a.document.title in body and org_b.document.title not in body
    ok = contact_client.get(reverse("extranet:document_download", args=[org_a.document.pk]))
    assert ok.status_code == 200 and ok["Content-Disposition"].startswith("attachment")
    assert ok["X-Content-Type-Options"] == "nosniff"
    other = contact_client.get(reverse("extranet:document_download", args=[org_b.document.pk]))
    assert other.status_code == 404
    assert "/media/" not in body


def test_a_document_tied_to_a_request_follows_that_requests_visibility(client, org_a, tech):
    from tests.extranet.conftest import make_contact

    restricted = make_contact(org_a.client, site=org_a.other_site, visibility="site")
    tied = document_add(
        client=org_a.client, name="plan.pdf", content=b"x", by=tech.user, ticket=org_a.ticket
    )
    client.force_login(restricted.user)
    assert client.get(reverse("extranet:document_download", args=[tied.pk])).status_code == 404
    # Client-wide documents (no request) remain visible to every contact of the client.
    url = reverse("extranet:document_download", args=[org_a.document.pk])
    assert client.get(url).status_code == 200


def test_documents_page_is_n_plus_one_free(contact_client, org_a, tech, django_assert_num_queries):
    for i in range(6):
        document_add(
            client=org_a.client, name=f"d{i}.pdf", content=b"x", by=tech.user, ticket=org_a.ticket
        )
    with django_assert_num_queries(6):  # session, user, contact, projects, documents, banner
        contact_client.get(reverse("extranet:documents"))


def test_documents_are_stored_under_a_random_name_with_a_sanitised_display_name(org_a, tech):
    document = document_add(
        client=org_a.client, name="../../etc/pass<wd>.pdf", content=b"x", by=tech.user
    )
    assert document.original_name == "pass_wd_.pdf"
    assert "pass" not in document.file.name and document.file.name.startswith("documents/")


def test_staff_share_a_document_through_the_upload_page(client, org_a, tech):
    client.force_login(tech.user)
    response = client.post(
        reverse("extranet:document_upload"),
        {
            "client": org_a.client.pk,
            "ticket_reference": org_a.ticket.reference,
            "project": "Migration",
            "title": "Dossier d'architecture",
            "file": SimpleUploadedFile("archi.pdf", b"%PDF"),
        },
    )
    assert response.status_code == 302
    document = ProjectDocument.objects.get(title="Dossier d'architecture")
    assert document.ticket == org_a.ticket and document.uploaded_by == tech.user
    refused = client.post(
        reverse("extranet:document_upload"),
        {"client": org_a.client.pk, "file": SimpleUploadedFile("x.html", b"<b>")},
    )
    assert refused.status_code == 400
    assert "Type de fichier non autorisé" in refused.content.decode()


def test_staff_share_a_document_through_the_admin(client, org_a):
    from tests.factories import UserFactory

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:extranet_projectdocument_add"),
        {
            "client": org_a.client.pk,
            "project": "",
            "title": "",
            "description": "",
            "file": SimpleUploadedFile("compte rendu.pdf", b"%PDF"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    document = ProjectDocument.objects.get(original_name="compte rendu.pdf")
    assert document.title == "compte rendu.pdf" and document.uploaded_by == admin
    assert document.content_type == "application/pdf" and document.size == 4


def test_deleting_a_document_removes_its_file(org_a):
    path = org_a.document.file.path
    with open(path, "rb") as handle:
        assert handle.read() == b"%PDF doc"
    ProjectDocument.objects.filter(pk=org_a.document.pk).delete()
    assert not os.path.exists(path)
