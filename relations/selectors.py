"""Reads of links and merges: the ticket page panel, the extranet, mail routing, the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tickets.models import Ticket

from .models import INVERSE_LABELS, LinkKind, TicketLink, TicketMerge

MAX_MERGE_CHAIN = 20


@dataclass(frozen=True)
class LinkLine:
    """One link as read from one ticket's side."""

    link: TicketLink
    other: Ticket
    label: str
    outgoing: bool


def ticket_links(ticket: Ticket, *, visible: QuerySet[Ticket] | None = None) -> list[LinkLine]:
    """Links of ``ticket`` from its side (one query). ``visible``: the tickets the reader may
    see (the extranet passes the contact's scope): only public links to those are kept."""
    rows = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related(
        "source", "target"
    )
    if visible is not None:
        allowed = visible.values("pk")
        rows = rows.filter(public=True).filter(
            Q(source=ticket, target__in=allowed) | Q(target=ticket, source__in=allowed)
        )
    lines = []
    for link in rows:
        outgoing = link.source_id == ticket.pk
        label = LinkKind(link.kind).label if outgoing else INVERSE_LABELS[LinkKind(link.kind)]
        lines.append(LinkLine(link, link.target if outgoing else link.source, str(label), outgoing))
    return lines


def merged_into(ticket: Ticket) -> TicketMerge | None:
    return TicketMerge.objects.select_related("target").filter(source=ticket).first()


def merge_target(ticket: Ticket) -> Ticket:
    """Where a reference now lives: the ticket it was merged into, followed to the end (a chain
    of merges), or the ticket itself."""
    current = ticket
    for _step in range(MAX_MERGE_CHAIN):
        merge = TicketMerge.objects.filter(source=current).select_related("target").first()
        if merge is None:
            return current
        current = merge.target
    return current


def ticket_relations(ticket: Ticket) -> dict:
    """Context of the ticket page's "Demandes liées" panel (two queries)."""
    return {
        "relation_lines": ticket_links(ticket),
        "merged_into": merged_into(ticket),
        "merged_sources": list(TicketMerge.objects.filter(target=ticket).select_related("source")),
    }
