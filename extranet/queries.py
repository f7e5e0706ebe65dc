"""Read models of the extranet pages: scoped querysets with what each page shows, N+1 free."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from clients.models import Contact
from tickets.models import OPEN_STATES, Attachment, EventKind, State, Ticket, TicketEvent

from .scoping import visible_tickets

FOLLOWED_STATES = (*OPEN_STATES, State.RESOLVED)


def _last_public(field: str) -> Subquery:
    return Subquery(
        TicketEvent.objects.filter(ticket=OuterRef("pk"), public=True)
        .order_by("-at", "-pk")
        .values(field)[:1]
    )


def followed_requests(contact: Contact, filters: dict | None = None) -> QuerySet[Ticket]:
    """Requests in progress (and resolved ones awaiting confirmation), with the last public
    activity annotated, most urgent deadline first."""
    filters = filters or {}
    qs = (
        visible_tickets(contact)
        .filter(state__in=FOLLOWED_STATES)
        .select_related("site", "assignee__user")
        .annotate(last_public_at=_last_public("at"), last_public_kind=_last_public("kind"))
    )
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("urgency"):
        qs = qs.filter(urgency=filters["urgency"])
    if filters.get("site"):
        qs = qs.filter(site=filters["site"])
    if filters.get("q"):
        term = filters["q"].strip()
        qs = qs.filter(
            Q(reference__icontains=term) | Q(title__icontains=term) | Q(description__icontains=term)
        )
    return qs.order_by("gti_deadline", "created_at")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def closed_requests(contact: Contact, filters: dict | None = None) -> QuerySet[Ticket]:
    """Closed requests, filtered on the closing date (Paris days) and site, newest first,
    with their public reports prefetched in one query."""
    filters = filters or {}
    qs = (
        visible_tickets(contact)
        .filter(state=State.CLOSED)
        .select_related("site", "assignee__user")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=TicketEvent.objects.filter(public=True, kind=EventKind.REPORT)
                .select_related("actor", "actor__contact")
                .order_by("at", "pk"),
                to_attr="public_reports",
            )
        )
    )
    if filters.get("start"):
        qs = qs.filter(closed_at__gte=_local_midnight(filters["start"]))
    if filters.get("end"):
        qs = qs.filter(closed_at__lt=_local_midnight(filters["end"] + timedelta(days=1)))
    if filters.get("site"):
        qs = qs.filter(site=filters["site"])
    return qs.order_by("-closed_at", "-pk")


def request_timeline(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The public events of one request, oldest first (never internal notes)."""
    return (
        ticket.events.filter(public=True)
        .select_related("actor", "actor__contact")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(public=True).order_by("pk"),
                to_attr="public_attachments",
            )
        )
        .order_by("at", "pk")
    )


def counts_by_state(contact: Contact) -> dict[str, int]:
    """How many followed requests per state, plus "waiting" (not yet taken in charge)."""
    rows = (
        visible_tickets(contact)
        .filter(state__in=FOLLOWED_STATES)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(FOLLOWED_STATES, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    counts["waiting"] = counts[State.NEW] + counts[State.ASSIGNED]
    return counts
