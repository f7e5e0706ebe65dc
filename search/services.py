"""Writes of the search documents: one function per source, and the generic save they share.

Tickets and problems are indexed after their transaction commits (``search.receivers``);
knowledge articles by ``knowledge.services`` inside their own transaction. Each refresh rebuilds
the whole document from its source, so it is idempotent: running it twice, or late (the
``search_reindex`` command), gives the same row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.search import SearchVector
from django.db import connection, transaction
from django.utils import timezone

from changes.models import Problem
from tickets.models import EventKind, Ticket, TicketEvent

from .models import Audience, DocType, DocumentClient, SearchDocument
from .text import CONFIG, fold

# A tsvector holds at most 1 MB: beyond this a text adds nothing a search would need.
MAX_TEXT = 100_000


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def _vectors() -> dict[str, Any]:
    head = SearchVector("reference", "title", config=CONFIG, weight="A")
    names = SearchVector("names", config=CONFIG, weight="B")
    public = SearchVector("public_text", config=CONFIG, weight="C")
    private = SearchVector("private_text", config=CONFIG, weight="D")
    return {"vector": head + names + public + private, "public_vector": head + names + public}


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
    """Write the document of one source (insert or replace), with its vectors and audience."""
    public_text = public_text[:MAX_TEXT]
    private_text = private_text[:MAX_TEXT]
    head = f"{reference} {title} {names}"
    values = {
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
    with transaction.atomic():
        document, _ = SearchDocument.objects.update_or_create(
            doc_type=doc_type, object_id=object_id, defaults=values
        )
        if uses_postgres():
            SearchDocument.objects.filter(pk=document.pk).update(**_vectors())
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


def ticket_index(*, ticket_id: int) -> SearchDocument | None:
    """(Re)build a ticket's document: title, description, names, then every written entry of
    its log (reports, answers, mails, notes), public or private as the log says."""
    ticket = Ticket.objects.select_related("client", "contact", "site").filter(pk=ticket_id).first()
    if ticket is None:
        document_delete(doc_type=DocType.TICKET, object_id=ticket_id)
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
    return document_save(
        doc_type=DocType.TICKET,
        object_id=ticket.pk,
        reference=ticket.reference,
        title=ticket.title,
        names=" ".join(names),
        public_text="\n".join(public),
        private_text="\n".join(private),
        audience=Audience.CLIENT,
        client_id=ticket.client_id,
        site_id=ticket.site_id,
        contact_id=ticket.contact_id,
        state=ticket.state,
        kind=ticket.kind,
        created_at=ticket.created_at,
    )


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
