"""Who finds what: a client never finds internal notes, problems, internal articles or another
client's content; staff find everything. Through the selector, the API and the extranet."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.scopes import CLIENT_SCOPES, INTEGRATION_SCOPES
from api.services import token_create
from changes import services as problem_services
from knowledge import services as kb
from knowledge.models import Visibility
from search.selectors import Viewer, search
from tests.factories import ContactFactory, SiteFactory, UserFactory, make_ticket
from tickets import services

pytestmark = pytest.mark.django_db

SEARCH_API = "/api/v1/search/"


@pytest.fixture
def corpus(acme, globex, tech, indexed):
    """The word "zephyr" everywhere: public and private text of both clients, a problem,
    articles of every visibility."""
    with indexed():
        mine = make_ticket(client=acme, title="Messagerie lente", description="Client zephyr")
        theirs = make_ticket(client=globex, title="Zephyr en panne", description="zephyr")
        secret = make_ticket(client=acme, title="Sauvegarde")
    with indexed():
        services.ticket_add_entry(ticket=secret, by=tech.user, body="Note zephyr", public=False)
        problem_services.problem_create(by=tech.user, title="Zephyr instable", workaround="x")
        internal = kb.article_create(by=tech.user, title="Procédure zephyr interne", body="zephyr")
        everyone = kb.article_create(
            by=tech.user, title="Zephyr pour tous", body="zephyr", visibility=Visibility.ALL_CLIENTS
        )
        for_acme = kb.article_create(
            by=tech.user,
            title="Zephyr pour ACME",
            body="zephyr",
            visibility=Visibility.CHOSEN_CLIENTS,
            clients=[acme],
        )
        for_globex = kb.article_create(
            by=tech.user,
            title="Zephyr pour Globex",
            body="zephyr",
            visibility=Visibility.CHOSEN_CLIENTS,
            clients=[globex],
        )
    return {
        "mine": mine,
        "theirs": theirs,
        "secret": secret,
        "internal": internal,
        "everyone": everyone,
        "for_acme": for_acme,
        "for_globex": for_globex,
    }


def titles(results):
    return {hit.title for hit in results.hits}


def test_staff_find_everything_including_notes_and_problems(corpus):
    found = titles(search("zephyr", viewer=Viewer.for_staff()))
    assert {"Messagerie lente", "Zephyr en panne", "Sauvegarde", "Zephyr instable"} <= found
    assert {"Procédure zephyr interne", "Zephyr pour Globex"} <= found


def test_a_client_finds_only_its_public_content_and_articles_published_to_it(corpus, acme):
    found = titles(search("zephyr", viewer=Viewer(staff=False, client_id=acme.pk)))
    assert found == {"Messagerie lente", "Zephyr pour tous", "Zephyr pour ACME"}


def test_a_viewer_without_client_finds_nothing(corpus):
    assert search("zephyr", viewer=Viewer(staff=False)).hits == []


def test_a_site_restricted_contact_finds_its_site_and_its_own_requests(acme, indexed):
    site, other = SiteFactory(client=acme), SiteFactory(client=acme)
    contact = ContactFactory(client=acme, site=site)
    with indexed():
        make_ticket(client=acme, site=site, title="Quasar ici")
        make_ticket(client=acme, site=other, title="Quasar ailleurs")
        make_ticket(client=acme, site=other, contact=contact, title="Quasar à moi")
    viewer = Viewer(
        staff=False, client_id=acme.pk, site_id=site.pk, contact_id=contact.pk, site_restricted=True
    )
    assert titles(search("quasar", viewer=viewer)) == {"Quasar ici", "Quasar à moi"}


def _bearer(raw):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_the_api_scopes_results_like_the_rest_of_the_api(corpus, acme):
    _token, raw = token_create(name="Outil ACME", client=acme, scopes=CLIENT_SCOPES)
    response = _bearer(raw).get(SEARCH_API, {"q": "zephyr"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert {(r["type"], r["title"]) for r in results} == {
        ("ticket", "Messagerie lente"),
        ("article", "Zephyr pour tous"),
        ("article", "Zephyr pour ACME"),
    }
    ticket = next(r for r in results if r["type"] == "ticket")
    assert ticket["reference"] == corpus["mine"].reference
    assert "<mark>" in ticket["snippet"].lower() or "zephyr" in ticket["snippet"].lower()
    assert "Note zephyr" not in response.content.decode()

    _token, raw = token_create(name="Intégration", scopes=INTEGRATION_SCOPES)
    staff = _bearer(raw).get(SEARCH_API, {"q": "zephyr", "type": "problem"}).json()["results"]
    assert [(r["type"], r["title"]) for r in staff] == [("problem", "Zephyr instable")]


def test_the_api_refuses_bad_input_with_a_400(corpus):
    _token, raw = token_create(name="Intégration", scopes=INTEGRATION_SCOPES)
    api = _bearer(raw)
    assert api.get(SEARCH_API).status_code == 400
    assert api.get(SEARCH_API, {"q": "  "}).status_code == 400
    assert api.get(SEARCH_API, {"q": "x", "type": "nope"}).status_code == 400
    assert api.get(SEARCH_API, {"q": "x", "limit": "0"}).status_code == 400
    assert api.get(SEARCH_API, {"q": "a\x00b"}).status_code == 400
    assert api.get(SEARCH_API, {"q": "!!! & | :* ()"}).json() == {"results": []}


def test_a_contact_session_is_scoped_to_its_client(client, corpus, acme):
    contact = ContactFactory(client=acme, user=UserFactory(username="acme-api-contact"))
    client.force_login(contact.user)
    results = client.get(SEARCH_API, {"q": "zephyr"}).json()["results"]
    assert {r["title"] for r in results} == {
        "Messagerie lente",
        "Zephyr pour tous",
        "Zephyr pour ACME",
    }


def test_the_help_centre_search_never_shows_internal_or_other_clients_articles(
    client, corpus, acme
):
    contact = ContactFactory(client=acme, user=UserFactory(username="acme-help"))
    client.force_login(contact.user)
    body = client.get(reverse("extranet:help"), {"q": "zephyr"}).content.decode()
    assert "Zephyr pour tous" in body and "Zephyr pour ACME" in body
    assert "interne" not in body and "Globex" not in body
    assert corpus["mine"].title not in body  # the help centre lists articles only
