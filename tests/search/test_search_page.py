"""The back-office search page: full text with filters, snippets, other result types, the top
bar's box, and a query count that does not grow with the results."""

import pytest
from django.urls import reverse

from knowledge import services as kb
from tests.factories import ContractFactory, make_ticket
from tickets import services

pytestmark = pytest.mark.django_db

SEARCH = reverse("backoffice:search")


@pytest.fixture
def tech_client(client, tech):
    client.force_login(tech.user)
    return client


def test_a_word_of_an_internal_note_finds_the_ticket_for_staff(tech_client, tech, acme, indexed):
    with indexed():
        ticket = make_ticket(client=acme, title="Poste lent")
    with indexed():
        services.ticket_add_entry(
            ticket=ticket, by=tech.user, body="Antivirus obsolète", public=False
        )
    response = tech_client.get(SEARCH, {"q": "antivirus"})
    assert [t.reference for t in response.context["rows"]] == [ticket.reference]
    assert "<mark>Antivirus</mark>" in response.content.decode()


def test_filters_narrow_the_results(tech_client, acme, globex, tech, indexed):
    with indexed():
        mine = make_ticket(client=acme, title="Onduleur en alarme")
        make_ticket(client=globex, title="Onduleur à remplacer")
        kb.article_create(by=tech.user, title="Onduleur : tester la batterie", body="Étapes")

    def found(**params):
        response = tech_client.get(SEARCH, {"q": "onduleur", **params})
        assert response.status_code == 200
        return {t.reference for t in response.context["rows"]}, response.context["others"]

    rows, others = found()
    assert len(rows) == 2 and [o.title for o in others] == ["Onduleur : tester la batterie"]
    assert found(client=acme.pk)[0] == {mine.reference}
    assert found(type="article")[0] == set()
    assert found(state="closed")[0] == set()
    assert found(since="2999-01-01")[0] == set()
    # An invalid filter is reported and ignored; the others still apply.
    response = tech_client.get(SEARCH, {"q": "onduleur", "since": "hier", "client": acme.pk})
    assert {t.reference for t in response.context["rows"]} == {mine.reference}
    assert "Certains filtres sont invalides" in response.content.decode()


def test_the_query_count_does_not_grow_with_the_results(
    tech_client, acme, indexed, django_assert_max_num_queries
):
    with indexed():
        make_ticket(client=acme, title="Sauvegarde")
    tech_client.get(SEARCH, {"q": "sauvegarde"})
    with django_assert_max_num_queries(12) as few:
        tech_client.get(SEARCH, {"q": "sauvegarde"})
    with indexed():
        for _ in range(10):
            make_ticket(title="Sauvegarde", client=ContractFactory().client)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = tech_client.get(SEARCH, {"q": "sauvegarde"})
    assert len(response.context["rows"]) == 11


def test_pages_follow_each_other(tech_client, acme, indexed, settings):
    with indexed():
        for n in range(27):
            make_ticket(client=acme, title=f"Borne wifi {n}")
    first = tech_client.get(SEARCH, {"q": "borne"})
    assert len(first.context["rows"]) == 25 and first.context["next_query"]
    second = tech_client.get(SEARCH + "?" + first.context["next_query"])
    assert len(second.context["rows"]) == 2 and not second.context["next_query"]
    assert tech_client.get(SEARCH, {"q": "borne", "page": "x"}).status_code == 200
