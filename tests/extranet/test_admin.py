"""Documents and calendar feeds in the admin go through the extranet's services, and shared
files are downloaded through a permission-checked view, never a media URL."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from extranet.models import CalendarFeed, ProjectDocument
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = "admin:extranet_projectdocument_add"


def _share(admin_client, **fields):
    data = {"client": "", "ticket": "", "project": "", "title": "", "description": "", **fields}
    return admin_client.post(reverse(ADD), data)


def test_sharing_a_document_in_the_admin_stores_it_like_the_upload_page(
    admin_client, admin_user, org_a
):
    upload = SimpleUploadedFile("Plan réseau.pdf", b"%PDF-1.4 plan", content_type="text/html")
    response = _share(
        admin_client, client=org_a.client.pk, ticket=org_a.ticket.pk, project="VPN", file=upload
    )
    assert response.status_code == 302
    document = ProjectDocument.objects.exclude(pk=org_a.document.pk).get()
    # The service derives the type from the validated name, never from the browser.
    assert document.content_type == "application/pdf"
    assert document.uploaded_by == admin_user and document.title == document.original_name
    assert document.size == len(b"%PDF-1.4 plan") and document.ticket == org_a.ticket


@pytest.mark.parametrize(
    "name, field_error",
    [("outil.exe", "file"), ("rapport.pdf", "ticket")],
)
def test_a_refused_document_is_a_form_error_and_nothing_is_shared(
    admin_client, org_a, org_b, name, field_error
):
    upload = SimpleUploadedFile(name, b"content")
    ticket = org_b.ticket if field_error == "ticket" else org_a.ticket
    response = _share(admin_client, client=org_a.client.pk, ticket=ticket.pk, file=upload)
    assert response.status_code == 200
    assert field_error in response.context["adminform"].form.errors
    assert ProjectDocument.objects.count() == 2  # the two fixtures' documents only


def test_a_shared_document_links_to_the_admin_download_not_to_media(admin_client, org_a):
    document = org_a.document
    page = admin_client.get(reverse("admin:extranet_projectdocument_change", args=[document.pk]))
    content = page.content.decode()
    download = reverse("admin:extranet_projectdocument_download", args=[document.pk])
    assert f'href="{download}"' in content and "/media/" not in content
    response = admin_client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"%PDF doc"


def test_the_admin_download_needs_the_view_permission(client, org_a):
    url = reverse("admin:extranet_projectdocument_download", args=[org_a.document.pk])
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_projectdocument"))
    assert client.get(url).status_code == 200
    client.force_login(org_a.contact.user)
    assert client.get(url).status_code == 302  # to the admin login: not staff


def test_a_shared_document_is_not_edited_in_place(admin_client, org_a):
    url = reverse("admin:extranet_projectdocument_change", args=[org_a.document.pk])
    response = admin_client.post(url, {"client": org_a.client.pk, "title": "Renommé"})
    assert response.status_code == 403
    org_a.document.refresh_from_db()
    assert org_a.document.title != "Renommé"


def test_revoking_a_contact_feed_in_the_admin_stops_the_feed(admin_client, client, org_a):
    feed_url = reverse("extranet:planning_feed", args=[org_a.feed_token])
    assert client.get(feed_url).status_code == 200
    feed = CalendarFeed.objects.get(contact=org_a.contact)
    changelist = reverse("admin:extranet_calendarfeed_changelist")
    assert "delete_selected" not in admin_client.get(changelist).content.decode()
    response = admin_client.post(
        changelist, {"action": "revoke", "_selected_action": [feed.pk]}, follow=True
    )
    assert "1 adresse(s) révoquée(s)." in response.content.decode()
    assert not CalendarFeed.objects.filter(contact=org_a.contact).exists()
    assert client.get(feed_url).status_code == 404
