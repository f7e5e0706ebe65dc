"""On PostgreSQL a document is written by one statement: it must write what the ORM path wrote.

The ORM path is kept as SQLite's (``_ticket_fields`` reads the ticket, ``_document_values``
builds the columns); on PostgreSQL it used to end with ``update_or_create`` and an UPDATE of the
two vectors by Django's ``SearchVector``, which ``orm_write`` below replays. Each test writes the
same source both ways and compares every column, the vectors as text included.
"""

import datetime as dt

import pytest
from django.contrib.postgres.search import SearchVector
from django.db import connection
from django.utils import timezone

from search import services
from search.models import Audience, DocType, SearchDocument
from search.services import MAX_TEXT, document_save, ticket_index
from search.text import CONFIG
from tests.factories import ContactFactory, SiteFactory, make_ticket
from tickets import services as ticket_services
from tickets.models import Ticket

from .conftest import postgres_only

pytestmark = [pytest.mark.django_db, postgres_only]

# The vectors as the ORM path computed them (its former ``_vectors()``): the reference of what
# the statements compute in SQL.
_HEAD = SearchVector("reference", "title", config=CONFIG, weight="A")
_NAMES = SearchVector("names", config=CONFIG, weight="B")
_PUBLIC = SearchVector("public_text", config=CONFIG, weight="C")
_PRIVATE = SearchVector("private_text", config=CONFIG, weight="D")
VECTORS = {
    "vector": _HEAD + _NAMES + _PUBLIC + _PRIVATE,
    "public_vector": _HEAD + _NAMES + _PUBLIC,
}


def orm_write(fields: dict) -> None:
    """The previous write on PostgreSQL: the row by the ORM, then its vectors by an UPDATE."""
    fields = dict(fields)
    doc_type, object_id = fields.pop("doc_type"), fields.pop("object_id")
    fields.pop("clients", None)
    document, _ = SearchDocument.objects.update_or_create(
        doc_type=doc_type, object_id=object_id, defaults=services._document_values(**fields)
    )
    SearchDocument.objects.filter(pk=document.pk).update(**VECTORS)


def stored(doc_type: str, object_id: int) -> dict | None:
    """Every column of the document as the database holds it, the vectors as their text."""
    columns = [f.column for f in SearchDocument._meta.concrete_fields]
    select = ", ".join(f"{c}::text" if c.endswith("vector") else c for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select} FROM search_searchdocument WHERE doc_type = %s AND object_id = %s",  # noqa: S608
            [doc_type, object_id],
        )
        row = cursor.fetchone()
    return None if row is None else dict(zip(columns, row, strict=True))


def assert_same(new: dict, old: dict, since: dt.datetime, clock=("indexed_at",)) -> None:
    """Equal column by column, but for the times each write takes from its own clock."""
    for name in clock:
        assert since <= new.pop(name) <= timezone.now()
        assert since <= old.pop(name) <= timezone.now()
    assert new == old
    assert new["vector"] and new["public_vector"]  # not two empty vectors compared


def both_ways(ticket_id: int) -> tuple[dict | None, dict | None]:
    """The ticket's document written by the statement, then by the ORM path over it."""
    ticket_index(ticket_id=ticket_id)
    new = stored(DocType.TICKET, ticket_id)
    fields = services._ticket_fields(ticket_id=ticket_id)
    if fields is None:
        services.document_delete(doc_type=DocType.TICKET, object_id=ticket_id)
    else:
        orm_write(fields)
    return new, stored(DocType.TICKET, ticket_id)


def first_indexing(ticket_id: int) -> tuple[dict, dict]:
    """A first indexing each way (the insert), from no document."""
    ticket_index(ticket_id=ticket_id)
    new = stored(DocType.TICKET, ticket_id)
    SearchDocument.objects.all().delete()
    orm_write(services._ticket_fields(ticket_id=ticket_id))
    old = stored(DocType.TICKET, ticket_id)
    assert new and old
    assert new.pop("id") != old.pop("id")  # two inserts indeed
    return new, old


def entries(ticket, tech):
    """Public and private entries, written out of their order of time (the log's order is
    ``at``, then the id), the creation event's text left out."""
    t0 = timezone.now()
    for body, public, minutes in [
        ("Routeur redémarré, l'équipe réseau confirme", True, 30),
        ("Mot de passe admin : hunter2", False, 20),
        ("Le client rappelle à 14h", True, 10),
        ("Le client rappellera", True, 10),  # the same instant: the id decides
    ]:
        at = t0 + dt.timedelta(minutes=minutes)
        ticket_services.ticket_add_entry(
            ticket=ticket, by=tech.user, body=body, public=public, at=at
        )
    ticket_services.ticket_add_entry(
        ticket=ticket, by=None, body="Mail du fournisseur", public=False, kind="email_in"
    )


def with_contact_site_and_entries(acme, tech):
    ticket = make_ticket(
        client=acme,
        title="Accès VPN impossible",
        description="Depuis ce matin, plus d'accès au VPN.",
        contact=ContactFactory(client=acme, first_name="Élodie", last_name="Martin"),
        site=SiteFactory(client=acme, name="Siège Nantes"),
    )
    entries(ticket, tech)
    return ticket


def without_contact_nor_site(acme, tech):
    return make_ticket(client=acme, title="Imprimante bloquée", description="Bac 2")


def with_a_site_only(acme, tech):
    return make_ticket(client=acme, title="Wi-Fi", site=SiteFactory(client=acme, name="Dépôt"))


def with_an_empty_description(acme, tech):
    ticket = make_ticket(client=acme, title="Messagerie en panne", description="")
    entries(ticket, tech)
    return ticket


def with_texts_longer_than_kept(acme, tech):
    # Accented: the limits count characters, not bytes.
    acme.name = "Société " + "é" * 190
    acme.save()
    ticket = make_ticket(
        client=acme,
        title="Journaux " + "à" * 240,
        description="Trace é " * (MAX_TEXT // 8 + 10),
        contact=ContactFactory(client=acme, first_name="É" * 100, last_name="È" * 100),
        site=SiteFactory(client=acme, name="Ç" * 200),
    )
    ticket_services.ticket_add_entry(
        ticket=ticket, by=tech.user, body="Note privée ô " * (MAX_TEXT // 10), public=False
    )
    return ticket


SCENARIOS = [
    with_contact_site_and_entries,
    without_contact_nor_site,
    with_a_site_only,
    with_an_empty_description,
    with_texts_longer_than_kept,
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_the_statement_writes_what_the_orm_path_writes(scenario, acme, tech):
    since = timezone.now()
    ticket = scenario(acme, tech)
    new, old = first_indexing(ticket.pk)
    assert_same(new, old, since)

    # A second indexing replaces the document in place, with the new entry.
    since = timezone.now()
    ticket_services.ticket_add_entry(
        ticket=ticket, by=tech.user, body="Rappel : redémarrage prévu à 18h", public=True
    )
    ticket_services.ticket_add_entry(
        ticket=ticket, by=tech.user, body="Prévenir l'astreinte", public=False
    )
    new, old = both_ways(ticket.pk)
    assert new["id"] == old["id"]
    assert "redémarrage prévu" in new["public_text"] or len(new["public_text"]) == MAX_TEXT
    assert_same(new, old, since)


def test_the_texts_and_names_are_cut_where_the_orm_path_cut_them(acme, tech):
    ticket = with_texts_longer_than_kept(acme, tech)
    ticket_index(ticket_id=ticket.pk)
    row = stored(DocType.TICKET, ticket.pk)
    assert len(row["public_text"]) == len(row["private_text"]) == MAX_TEXT
    assert len(row["names"]) == 500


def test_a_deleted_ticket_loses_its_document(acme, tech):
    ticket = with_contact_site_and_entries(acme, tech)
    ticket_index(ticket_id=ticket.pk)
    assert stored(DocType.TICKET, ticket.pk)
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert ticket_index(ticket_id=ticket.pk) is None
    assert both_ways(ticket.pk) == (None, None)


def test_indexing_a_ticket_is_one_statement(acme, tech, django_assert_num_queries):
    ticket = with_contact_site_and_entries(acme, tech)
    with django_assert_num_queries(1):  # the insert
        first = ticket_index(ticket_id=ticket.pk)
    with django_assert_num_queries(1):  # the replacement
        again = ticket_index(ticket_id=ticket.pk)
    assert first == again == SearchDocument.objects.get(object_id=ticket.pk).pk


ARTICLE = {
    "doc_type": DocType.ARTICLE,
    "object_id": 7,
    "reference": "KB-0007",
    "title": "Configurer le VPN " + "é" * 300,
    "names": "Réseau " + "vpn " * 200,
    "public_text": "Étapes : " * (MAX_TEXT // 5),
    "audience": Audience.ALL_CLIENTS,
    "state": "all",
    "created_at": dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC),
}
PROBLEM = {
    "doc_type": DocType.PROBLEM,
    "object_id": 3,
    "reference": "PB-2025-0003",
    "title": "Saturation du cluster",
    "private_text": "Journalisation\nPurger les journaux",
    "audience": Audience.STAFF,
    "state": "open",
}


@pytest.mark.parametrize("fields", [ARTICLE, PROBLEM], ids=["article", "problem"])
def test_document_save_writes_what_the_orm_path_writes(fields):
    since = timezone.now()
    key = (fields["doc_type"], fields["object_id"])
    # created_at defaults to the time of the write.
    clock = ("indexed_at",) if "created_at" in fields else ("indexed_at", "created_at")
    document = document_save(**fields)
    new = stored(*key)

    # What it returns is the document written, without reading it back (its vectors deferred).
    deferred = document.get_deferred_fields()
    assert deferred == {"vector", "public_vector"}
    assert {k: v for k, v in document.__dict__.items() if k in new} == {
        k: v for k, v in new.items() if k not in deferred
    }

    SearchDocument.objects.all().delete()
    orm_write(fields)
    old = stored(*key)
    assert new.pop("id") != old.pop("id")  # two inserts indeed
    assert_same(new, old, since, clock)

    # The replacement keeps the row.
    since = timezone.now()
    fields = {**fields, "title": "Autre titre"}
    document_save(**fields)
    new = stored(*key)
    orm_write(fields)
    old = stored(*key)
    assert new["id"] == old["id"] and new["title"] == "Autre titre"
    assert_same(new, old, since, clock)


def test_a_problem_document_is_one_statement(django_assert_num_queries):
    with django_assert_num_queries(1):
        document_save(**PROBLEM)
    with django_assert_num_queries(1):
        document_save(**PROBLEM)
