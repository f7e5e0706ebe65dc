"""French queries: accents, plurals and stemming, ranking and snippets; the SQLite fallback."""

import pytest

from search.selectors import Viewer, search
from tests.factories import make_ticket
from tickets import services

from .conftest import postgres_only, sqlite_only

pytestmark = pytest.mark.django_db


def refs(query):
    return [hit.reference for hit in search(query, viewer=Viewer.for_staff()).hits]


def test_accents_do_not_matter(acme, indexed):
    with indexed():
        ticket = make_ticket(client=acme, title="Accès equipe reseau")
    assert refs("équipe") == [ticket.reference]
    assert refs("Équipe RÉSEAU") == [ticket.reference]
    assert refs("acces") == [ticket.reference]


def test_a_plural_finds_the_singular(acme, indexed):
    with indexed():
        ticket = make_ticket(client=acme, title="Imprimante du 2e étage")
    assert refs("imprimantes") == [ticket.reference]


def test_every_word_must_match(acme, indexed):
    with indexed():
        printer = make_ticket(client=acme, title="Imprimante bloquée")
        make_ticket(client=acme, title="Messagerie en panne")
    assert refs("imprimante bloquée") == [printer.reference]
    assert refs("imprimante messagerie") == []


def test_a_word_of_a_report_finds_the_ticket_with_a_marked_snippet(acme, tech, indexed):
    with indexed():
        ticket = make_ticket(client=acme, title="Lenteurs")
    with indexed():
        services.ticket_add_entry(
            ticket=ticket,
            by=tech.user,
            body="Le <b>commutateur</b> du local a été remplacé.",
            public=True,
        )
    [hit] = search("commutateurs", viewer=Viewer.for_staff()).hits
    assert hit.reference == ticket.reference
    assert "<mark>commutateur</mark>" in hit.snippet
    assert "<b>" not in hit.snippet  # the text's own markup is escaped (or dropped), never kept


@postgres_only
def test_a_title_match_ranks_above_a_description_match(acme, indexed):
    with indexed():
        title = make_ticket(client=acme, title="Pare-feu bloqué")
        body = make_ticket(client=acme, title="Réseau", description="Le pare-feu a redémarré")
    assert refs("pare-feu")[:2] == [title.reference, body.reference]


@postgres_only
def test_a_misspelt_client_name_still_finds_its_tickets(acme, indexed):
    with indexed():
        ticket = make_ticket(client=acme, title="Badgeuse")
    assert ticket.reference in refs("Logistiqe")


@sqlite_only
def test_the_sqlite_fallback_folds_accents_and_plurals(acme, indexed):
    with indexed():
        ticket = make_ticket(client=acme, title="Équipes réseaux")
    assert refs("equipe reseau") == [ticket.reference]
