"""The documents page's ``projet`` filter (django-filter): one project's documents, a space
around the name is ignored, a project the contact has no document of lists none."""

from django.urls import reverse

from extranet.services import document_add


def test_the_project_filter_lists_that_projects_documents_only(contact_client, org_a, tech):
    other = document_add(
        client=org_a.client, name="baie.pdf", content=b"x", by=tech.user, project="Baie"
    )
    body = contact_client.get(reverse("extranet:documents"), {"projet": " Migration "})
    html = body.content.decode()
    assert org_a.document.title in html and other.title not in html
    unknown = contact_client.get(reverse("extranet:documents"), {"projet": "Inconnu"})
    assert unknown.status_code == 200
    assert org_a.document.title not in unknown.content.decode()
