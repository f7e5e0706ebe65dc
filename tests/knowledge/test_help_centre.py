"""The extranet help centre and the suggestions of the new-request form (deflection counted)."""

import pytest
from django.urls import reverse

from knowledge import services
from knowledge.models import Deflection, Visibility
from knowledge.selectors import deflection_figures
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(tech, acme, globex):
    return {
        "public": services.article_create(
            by=tech.user,
            title="Imprimante : vider la file d'impression",
            body="Ouvrir **Périphériques**",
            visibility=Visibility.ALL_CLIENTS,
        ),
        "acme": services.article_create(
            by=tech.user,
            title="Imprimante du siège ACME",
            body="Badge",
            visibility=Visibility.CHOSEN_CLIENTS,
            clients=[acme],
        ),
        "globex": services.article_create(
            by=tech.user,
            title="Imprimante Globex",
            body="x",
            visibility=Visibility.CHOSEN_CLIENTS,
            clients=[globex],
        ),
        "internal": services.article_create(
            by=tech.user, title="Imprimante : mot de passe admin", body="secret"
        ),
    }


@pytest.fixture
def contact_client(client, acme_contact):
    client.force_login(acme_contact.user)
    return client


def test_the_help_centre_lists_and_opens_only_articles_published_to_the_client(
    contact_client, articles
):
    body = contact_client.get(reverse("extranet:help")).content.decode()
    assert "vider la file" in body and "siège ACME" in body
    assert "Globex" not in body and "mot de passe admin" not in body
    page = contact_client.get(reverse("extranet:help_article", args=[articles["public"].pk]))
    assert "<strong>Périphériques</strong>" in page.content.decode()
    for hidden in ("globex", "internal"):
        url = reverse("extranet:help_article", args=[articles[hidden].pk])
        assert contact_client.get(url).status_code == 404


def test_suggestions_while_typing_are_counted_until_the_request_is_sent(
    contact_client, acme_contact, articles
):
    form = contact_client.get(reverse("extranet:request_new"))
    token = form.context["deflection"]
    assert f'value="{token}"' in form.content.decode()

    suggestions = contact_client.get(
        reverse("extranet:help_suggestions"), {"title": "imprim", "deflection": token}
    ).content.decode()
    assert "vider la file" in suggestions and "mot de passe admin" not in suggestions
    assert "Globex" not in suggestions
    assert f"?d={token}" in suggestions
    contact_client.get(reverse("extranet:help_article", args=[articles["public"].pk]), {"d": token})
    row = Deflection.objects.get(token=token)
    assert row.contact == acme_contact and row.suggestions_shown >= 2
    assert row.articles_opened == 1 and row.submitted_at is None
    assert deflection_figures().not_submitted_after_reading == 1

    response = contact_client.post(
        reverse("extranet:request_new"),
        {
            "title": "Imprimante HS",
            "description": "Toujours bloquée",
            "urgency": "non_blocking",
            "deflection": token,
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.submitted_at is not None and row.ticket is not None
    figures = deflection_figures()
    assert (figures.forms, figures.submitted, figures.not_submitted_after_reading) == (1, 1, 0)


def test_another_contacts_token_or_a_bad_token_counts_nothing(contact_client, acme, articles):
    other = ContactFactory(client=acme, user=UserFactory(username="other-acme"))
    theirs = services.deflection_start(contact=other)
    url = reverse("extranet:help_suggestions")
    for token in (theirs.token, "pas-un-uuid"):
        response = contact_client.get(url, {"title": "imprimante", "deflection": token})
        assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.suggestions_shown == 0


def test_an_empty_title_suggests_nothing(contact_client, articles):
    response = contact_client.get(reverse("extranet:help_suggestions"), {"title": " "})
    assert response.status_code == 200 and response.content.strip() == b""
