"""Writes of the search documents: one function per source, and the generic save they share.

Tickets and problems are indexed after their transaction commits (``search.receivers``);
knowledge articles by ``knowledge.services`` inside their own transaction. Each refresh rebuilds
the whole document from its source, so it is idempotent: running it twice, or late (the
``search_reindex`` command), gives the same row.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from changes.models import Problem
from clients.models import Client, Contact, Site
from oceanis.db import hot_cursor
from tickets.models import EventKind, Ticket, TicketEvent

from .models import Audience, DocType, DocumentClient, SearchDocument
from .text import CONFIG, fold

# A tsvector holds at most 1 MB: beyond this a text adds nothing a search would need.
MAX_TEXT = 100_000


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


# The columns a document's write sets (besides its two vectors), in the statements' order.
_WRITTEN = (
    "doc_type", "object_id", "reference", "title", "names", "audience", "client_id", "site_id",
    "contact_id", "state", "kind", "created_at", "indexed_at", "public_text", "private_text",
    "folded", "public_folded",
)  # fmt: skip


def _columns(model: type[models.Model]) -> dict[str, str]:
    """A model's quoted columns by attribute name (``client_id``, not ``client``)."""
    columns = {}
    for field in model._meta.concrete_fields:
        assert field.column is not None  # a concrete field has one; the stubs allow None
        columns[field.attname] = connection.ops.quote_name(field.column)
    return columns


def _upsert_sql(source: str) -> str:
    """Insert the row ``source`` selects, or replace the document of the same source, with both
    vectors computed from it, returning the document's id: one statement, atomic by itself.

    ``source`` is a SELECT of one column per name of ``_WRITTEN``, each named after the
    document's column; ``%(config)s`` is the text search configuration. The vectors weigh the
    reference and title A, the names B, what the client may read C, what only staff may D (the
    client's vector stops at C)."""
    meta = SearchDocument._meta
    column = _columns(SearchDocument)
    key = next(
        c.fields
        for c in meta.constraints
        if isinstance(c, models.UniqueConstraint) and c.name == "search_document_one"
    )

    def weighted(weight: str, *names: str) -> str:
        text = " || ' ' || ".join(f"src.{column[n]}" for n in names)
        return f"setweight(to_tsvector(%(config)s::regconfig, {text}), '{weight}')"

    public = " || ".join(
        [weighted("A", "reference", "title"), weighted("B", "names"), weighted("C", "public_text")]
    )
    written = [column[n] for n in _WRITTEN]
    targets = [*written, column["vector"], column["public_vector"]]
    replaced = [c for c in targets if c not in {column[n] for n in key}]
    # Only quoted identifiers are interpolated; values stay parameters.
    return (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({', '.join(targets)}) "  # noqa: S608
        f"SELECT {', '.join(f'src.{c}' for c in written)}, "
        f"{public} || {weighted('D', 'private_text')}, {public} "
        f"FROM ({source}) AS src "
        f"ON CONFLICT ({', '.join(column[n] for n in key)}) "
        f"DO UPDATE SET {', '.join(f'{c} = EXCLUDED.{c}' for c in replaced)} "
        f"RETURNING {column['id']}"
    )


@functools.cache
def _document_sql() -> str:
    """The upsert of one document from its values (``%(<field name>)s``, cast to the column's
    type: a parameter of a sub-select has none of its own)."""
    fields = {f.attname: f for f in SearchDocument._meta.concrete_fields}
    column = _columns(SearchDocument)

    def cast(field: models.Field) -> str | None:
        # A string without its length: one too long fails as the ORM's write would, instead of
        # being cut short by the cast.
        if isinstance(field, models.CharField):
            return "varchar"
        return field.db_type(connection)

    values = ", ".join(f"CAST(%({n})s AS {cast(fields[n])}) AS {column[n]}" for n in _WRITTEN)
    return _upsert_sql(f"SELECT {values}")


@functools.cache
def _ticket_sql() -> str:
    """The upsert of a ticket's document read from the ticket itself: what ``_ticket_fields``
    and ``document_save`` compute in Python, in one statement (no row for a missing ticket)."""
    aliases: dict[type[models.Model], str] = {
        Ticket: "t", Client: "c", Contact: "p", Site: "s", TicketEvent: "e"
    }  # fmt: skip
    tables = {
        m: f"{connection.ops.quote_name(m._meta.db_table)} AS {alias}"
        for m, alias in aliases.items()
    }

    def col(model: type[models.Model], name: str) -> str:
        return f"{aliases[model]}.{_columns(model)[name]}"

    def joined(audience: str) -> str:
        order = f"{col(TicketEvent, 'at')}, {col(TicketEvent, 'id')}"
        body = col(TicketEvent, "body")
        return f"string_agg({body}, E'\\n' ORDER BY {order}) FILTER (WHERE {audience})"

    public = col(TicketEvent, "public")
    # The written entries of the log in order, split by audience; the creation's text is the
    # description, already there.
    entries = (
        f"SELECT {joined(public)} AS public, {joined(f'NOT {public}')} AS private "  # noqa: S608
        f"FROM {tables[TicketEvent]} WHERE {col(TicketEvent, 'ticket_id')} = {col(Ticket, 'id')} "
        f"AND {col(TicketEvent, 'body')} <> '' AND {col(TicketEvent, 'kind')} <> %(created)s"
    )
    # concat_ws skips the NULL of a missing contact or site, as the names list leaves them out.
    contact = f"{col(Contact, 'first_name')} || ' ' || {col(Contact, 'last_name')}"
    names = f"concat_ws(' ', {col(Client, 'name')}, {col(Client, 'code')}, {contact}, "
    names += f"{col(Site, 'name')})"
    description = col(Ticket, "description")
    values = {
        "doc_type": "%(doc_type)s",
        "object_id": col(Ticket, "id"),
        "reference": col(Ticket, "reference"),
        "title": f"left({col(Ticket, 'title')}, %(title_max)s)",
        "names": f"left({names}, %(names_max)s)",
        "audience": "%(audience)s",
        "client_id": col(Ticket, "client_id"),
        "site_id": col(Ticket, "site_id"),
        "contact_id": col(Ticket, "contact_id"),
        "state": col(Ticket, "state"),
        "kind": col(Ticket, "kind"),
        "created_at": col(Ticket, "created_at"),
        "indexed_at": "CAST(%(now)s AS timestamp with time zone)",
        "public_text": f"left({description} || coalesce(E'\\n' || entries.public, ''), "
        "%(max_text)s)",
        "private_text": "left(coalesce(entries.private, ''), %(max_text)s)",
        # The folded copies serve the SQLite fallback only.
        "folded": "''",
        "public_folded": "''",
    }
    doc = _columns(SearchDocument)
    source = (
        f"SELECT {', '.join(f'{values[n]} AS {doc[n]}' for n in _WRITTEN)} "  # noqa: S608
        f"FROM {tables[Ticket]} JOIN {tables[Client]} "
        f"ON {col(Client, 'id')} = {col(Ticket, 'client_id')} "
        f"LEFT JOIN {tables[Contact]} ON {col(Contact, 'id')} = {col(Ticket, 'contact_id')} "
        f"LEFT JOIN {tables[Site]} ON {col(Site, 'id')} = {col(Ticket, 'site_id')} "
        f"CROSS JOIN LATERAL ({entries}) AS entries "
        f"WHERE {col(Ticket, 'id')} = %(ticket)s"
    )
    return _upsert_sql(source)


def _document_values(
    *,
    title: str,
    reference: str = "",
    names: str = "",
    public_text: str = "",
    private_text: str = "",
    audience: str = Audience.STAFF,
    client_id: int | None = None,
    site_id: int | None = None,
    contact_id: int | None = None,
    state: str = "",
    kind: str = "",
    created_at=None,
) -> dict[str, Any]:
    """The stored columns of a document from its source's values (truncated, folded)."""
    public_text = public_text[:MAX_TEXT]
    private_text = private_text[:MAX_TEXT]
    head = f"{reference} {title} {names}"
    return {
        "reference": reference,
        "title": title[:255],
        "names": names[:500],
        "public_text": public_text,
        "private_text": private_text,
        "audience": audience,
        "client_id": client_id,
        "site_id": site_id,
        "contact_id": contact_id,
        "state": state,
        "kind": kind,
        "created_at": created_at or timezone.now(),
        "indexed_at": timezone.now(),
        # The folded copies serve the SQLite fallback only; PostgreSQL matches the vectors.
        "folded": "" if uses_postgres() else fold(f"{head}\n{public_text}\n{private_text}"),
        "public_folded": "" if uses_postgres() else fold(f"{head}\n{public_text}"),
    }


def document_save(
    *,
    doc_type: str,
    object_id: int,
    title: str,
    reference: str = "",
    names: str = "",
    public_text: str = "",
    private_text: str = "",
    audience: str = Audience.STAFF,
    client_id: int | None = None,
    site_id: int | None = None,
    contact_id: int | None = None,
    state: str = "",
    kind: str = "",
    created_at=None,
    clients: Iterable[int] = (),
) -> SearchDocument:
    """Write the document of one source (insert or replace), with its vectors and audience.

    On PostgreSQL it is one statement (with the article's client rows after it), and the
    document returned is built from the values written, not read back."""
    values = _document_values(
        title=title,
        reference=reference,
        names=names,
        public_text=public_text,
        private_text=private_text,
        audience=audience,
        client_id=client_id,
        site_id=site_id,
        contact_id=contact_id,
        state=state,
        kind=kind,
        created_at=created_at,
    )
    # An article's client rows change with its document; any other document is one statement.
    with transaction.atomic() if doc_type == DocType.ARTICLE else nullcontext():
        if uses_postgres():
            values = {"doc_type": doc_type, "object_id": object_id, **values}
            fields = {f.attname: f for f in SearchDocument._meta.concrete_fields}
            params = {n: fields[n].get_db_prep_save(values[n], connection) for n in values}
            with hot_cursor() as cursor:
                cursor.execute(_document_sql(), {**params, "config": CONFIG})
                (pk,) = cursor.fetchone()
            # Its vectors deferred: reading one queries (from_db takes the fields' order).
            written = {"id": pk, **values}
            loaded = [n for n in fields if n in written]
            document = SearchDocument.from_db("default", loaded, [written[n] for n in loaded])
        else:
            document, _ = SearchDocument.objects.update_or_create(
                doc_type=doc_type, object_id=object_id, defaults=values
            )
        if doc_type == DocType.ARTICLE:
            wanted = set(clients) if audience == Audience.CHOSEN_CLIENTS else set()
            DocumentClient.objects.filter(document=document).exclude(client_id__in=wanted).delete()
            have = set(
                DocumentClient.objects.filter(document=document).values_list("client_id", flat=True)
            )
            DocumentClient.objects.bulk_create(
                DocumentClient(document=document, client_id=pk) for pk in wanted - have
            )
    return document


def document_delete(*, doc_type: str, object_id: int) -> None:
    SearchDocument.objects.filter(doc_type=doc_type, object_id=object_id).delete()


def _ticket_fields(*, ticket_id: int) -> dict[str, Any] | None:
    """The ``document_save`` arguments of a ticket, read by the ORM (None if it is gone): the
    SQLite path, which ``_ticket_sql`` reproduces on PostgreSQL."""
    ticket = Ticket.objects.select_related("client", "contact", "site").filter(pk=ticket_id).first()
    if ticket is None:
        return None
    public = [ticket.description]
    private: list[str] = []
    entries = (
        TicketEvent.objects.filter(ticket_id=ticket_id)
        .exclude(body="")
        .exclude(kind=EventKind.CREATED)  # its text is the description, already there
        .order_by("at", "pk")
        .values_list("body", "public")
    )
    for body, is_public in entries:
        (public if is_public else private).append(body)
    names = [ticket.client.name, ticket.client.code]
    if ticket.contact_id:
        names.append(f"{ticket.contact.first_name} {ticket.contact.last_name}")
    if ticket.site_id:
        names.append(ticket.site.name)
    return {
        "doc_type": DocType.TICKET,
        "object_id": ticket.pk,
        "reference": ticket.reference,
        "title": ticket.title,
        "names": " ".join(names),
        "public_text": "\n".join(public),
        "private_text": "\n".join(private),
        "audience": Audience.CLIENT,
        "client_id": ticket.client_id,
        "site_id": ticket.site_id,
        "contact_id": ticket.contact_id,
        "state": ticket.state,
        "kind": ticket.kind,
        "created_at": ticket.created_at,
    }


def ticket_index(*, ticket_id: int) -> int | None:
    """(Re)build a ticket's document: title, description, names, then every written entry of
    its log (reports, answers, mails, notes), public or private as the log says. Returns the
    document's id (None when the ticket is gone, and its document with it).

    It runs after every ticket write, inside the request: on PostgreSQL it is one prepared
    statement, which reads the ticket, its names and its log and writes the document with its
    vectors (the ORM path's 11 statements, transaction and savepoints included, and their
    compilation took half of a ticket creation's time)."""
    if uses_postgres():
        meta = SearchDocument._meta
        params = {
            "ticket": ticket_id,
            "doc_type": DocType.TICKET.value,
            "audience": Audience.CLIENT.value,
            "created": EventKind.CREATED.value,
            "title_max": meta.get_field("title").max_length,
            "names_max": meta.get_field("names").max_length,
            "max_text": MAX_TEXT,
            "now": timezone.now(),
            "config": CONFIG,
        }
        with hot_cursor() as cursor:
            cursor.execute(_ticket_sql(), params)
            row = cursor.fetchone()
        pk = None if row is None else row[0]
    else:
        fields = _ticket_fields(ticket_id=ticket_id)
        pk = None if fields is None else document_save(**fields).pk
    if pk is None:
        document_delete(doc_type=DocType.TICKET, object_id=ticket_id)
    return pk


def problem_index(*, problem_id: int) -> SearchDocument | None:
    """A problem is staff knowledge: description, root cause and workaround."""
    problem = Problem.objects.filter(pk=problem_id).first()
    if problem is None:
        document_delete(doc_type=DocType.PROBLEM, object_id=problem_id)
        return None
    return document_save(
        doc_type=DocType.PROBLEM,
        object_id=problem.pk,
        reference=problem.reference,
        title=problem.title,
        private_text="\n".join([problem.description, problem.root_cause, problem.workaround]),
        audience=Audience.STAFF,
        state=problem.state,
        created_at=problem.created_at,
    )


INDEXERS = {
    DocType.TICKET: lambda pk: ticket_index(ticket_id=pk),
    DocType.PROBLEM: lambda pk: problem_index(problem_id=pk),
}


def documents_rebuild(*, doc_type: str | None = None, batch: int = 500) -> int:
    """Rebuild every ticket and problem document (after a bulk import, or to repair)."""
    count = 0
    sources = {DocType.TICKET: Ticket, DocType.PROBLEM: Problem}
    for kind, model in sources.items():
        if doc_type and kind != doc_type:
            continue
        for pk in model.objects.order_by("pk").values_list("pk", flat=True).iterator(batch):
            INDEXERS[kind](pk)
            count += 1
    return count
