"""``GET /api/v1/kb/articles/``: staff see all, a client token only what is published to it."""

import pytest
from rest_framework.test import APIClient

from api.scopes import CLIENT_SCOPES, INTEGRATION_SCOPES
from api.services import token_create
from knowledge import services
from knowledge.models import Visibility

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/kb/articles/"


def bearer(**kwargs):
    _token, raw = token_create(name="Outil", **kwargs)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


@pytest.fixture
def articles(tech, acme, globex):
    make = services.article_create
    return {
        "internal": make(by=tech.user, title="Interne", body="x"),
        "all": make(
            by=tech.user, title="Pour tous", body="**x**", visibility=Visibility.ALL_CLIENTS
        ),
        "acme": make(
            by=tech.user,
            title="Pour ACME",
            body="x",
            visibility=Visibility.CHOSEN_CLIENTS,
            clients=[acme],
        ),
        "both": make(
            by=tech.user,
            title="Pour ACME et Globex",
            body="x",
            visibility=Visibility.CHOSEN_CLIENTS,
            clients=[acme, globex],
        ),
        "globex": make(
            by=tech.user,
            title="Pour Globex",
            body="x",
            visibility=Visibility.CHOSEN_CLIENTS,
            clients=[globex],
        ),
    }


def test_a_client_token_lists_only_articles_published_to_it(acme, articles):
    api = bearer(client=acme, scopes=CLIENT_SCOPES)
    response = api.get(ARTICLES)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["title"] for r in rows} == {"Pour tous", "Pour ACME", "Pour ACME et Globex"}
    assert all("clients" not in r for r in rows)  # never who else it is published to
    assert "globex" not in response.content.decode()
    assert api.get(f"{ARTICLES}{articles['internal'].pk}/").status_code == 404
    assert api.get(f"{ARTICLES}{articles['globex'].pk}/").status_code == 404
    detail = api.get(f"{ARTICLES}{articles['all'].pk}/").json()
    assert detail["html"].strip() == "<p><strong>x</strong></p>"


def test_a_staff_token_lists_every_article_with_its_clients(
    articles, django_assert_max_num_queries
):
    api = bearer(scopes=INTEGRATION_SCOPES)
    api.get(ARTICLES)
    with django_assert_max_num_queries(6):
        rows = api.get(ARTICLES).json()["results"]
    assert len(rows) == 5
    both = next(r for r in rows if r["title"] == "Pour ACME et Globex")
    assert sorted(both["clients"]) == ["acme", "globex"]


def test_a_token_without_the_read_scope_is_refused(acme, articles):
    api = bearer(client=acme, scopes=["alerts:write"])
    assert api.get(ARTICLES).status_code == 403
    assert api.get("/api/v1/search/", {"q": "x"}).status_code == 403
