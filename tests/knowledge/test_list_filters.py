"""The article list's filters (django-filter): a category lists its articles; a bad one is
reported on the page and ignored; a long search is cut, not refused."""

import pytest
from django.urls import reverse

from knowledge import services
from knowledge.models import Category

INVALID = "Certains filtres sont invalides et ont été ignorés."


@pytest.fixture
def tech_client(client, tech):
    client.force_login(tech.user)
    return client


@pytest.fixture
def accounts(tech, indexed):
    category = Category.objects.create(name="Comptes")
    with indexed():
        services.article_create(
            by=tech.user, title="Réinitialiser un mot de passe", body="…", category=category
        )
        services.article_create(by=tech.user, title="Imprimante : bourrage papier", body="…")
    return category


def test_a_category_lists_its_articles(tech_client, accounts):
    page = tech_client.get(reverse("knowledge:list"), {"categorie": accounts.pk}).content.decode()
    assert "Réinitialiser un mot de passe" in page and "bourrage" not in page
    assert INVALID not in page


@pytest.mark.parametrize("value", ["comptes", "1.5", "-3"])
def test_a_bad_category_is_reported_and_ignored(tech_client, accounts, value):
    response = tech_client.get(reverse("knowledge:list"), {"categorie": value})
    assert response.status_code == 200
    page = response.content.decode()
    assert INVALID in page
    assert "Réinitialiser un mot de passe" in page and "bourrage" in page


def test_a_long_search_is_cut_not_refused(tech_client, accounts):
    response = tech_client.get(reverse("knowledge:list"), {"q": "imprimante " + "x" * 500})
    assert response.status_code == 200
    assert INVALID not in response.content.decode()
