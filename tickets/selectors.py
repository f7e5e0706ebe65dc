"""Reads of tickets for pages and the API: querysets with what a list needs, SLA decoration."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.utils import timezone

from sla.status import GtiStatus, gti_status

# ACTIVE_STATES (what a queue shows by default) and CLOCK_STOPPED (its first sort key) are
# defined with the model, whose queue indexes are built on them; re-exported here.
from .models import ACTIVE_STATES as ACTIVE_STATES
from .models import CLOCK_STOPPED as CLOCK_STOPPED
from .models import (
    NOT_TAKEN_STATES,
    OPEN_STATES,
    State,
    Ticket,
    TicketSeen,
)


def ticket_gti_status(ticket: Ticket, now: datetime | None = None) -> GtiStatus:
    return gti_status(
        created_at=ticket.created_at,
        deadline=ticket.gti_deadline,
        basis=ticket.gti_basis,
        duration=ticket.gti_duration,
        ti_measured=ticket.ti_measured,
        gti_met=ticket.gti_met,
        now=now or timezone.now(),
        # A cancelled or closed ticket's clock stopped with it, even if never taken in charge.
        stopped=ticket.state in (State.CANCELLED, State.CLOSED),
    )


def with_gti_status(tickets: Iterable[Ticket], now: datetime | None = None) -> list[Ticket]:
    """Attach ``ticket.gti`` (a GtiStatus) to each ticket; no queries."""
    now = now or timezone.now()
    rows = list(tickets)
    for ticket in rows:
        ticket.gti = ticket_gti_status(ticket, now)
    return rows


def open_tickets() -> QuerySet[Ticket]:
    """Open tickets with what a list row shows, most urgent GTI deadline first."""
    return (
        Ticket.objects.filter(state__in=OPEN_STATES)
        .select_related("client", "contact", "site", "assignee__user")
        .order_by("gti_deadline", "created_at", "pk")
    )


def at_risk_q(now: datetime | None = None) -> Q:
    """Clock still running, ≥ 75 % consumed, deadline not yet passed."""
    now = now or timezone.now()
    return Q(state__in=NOT_TAKEN_STATES, gti_risk_at__lte=now, gti_deadline__gt=now)


def gti_met_q() -> Q:
    """Taken in charge within the GTI. With ``breached_q``, the one counting rule of every GTI
    rate (reports, monthly PDF, extranet): met / (met + breached)."""
    return Q(gti_met=True)


def breached_parts(now: datetime | None = None) -> tuple[Q, Q]:
    """The two halves of ``breached_q``: clock still running and past the deadline; measured
    and missed."""
    now = now or timezone.now()
    return Q(state__in=NOT_TAKEN_STATES, gti_deadline__lte=now), Q(gti_met=False)


def breached_q(now: datetime | None = None) -> Q:
    """Clock still running and past the deadline, or measured and missed."""
    running_late, missed = breached_parts(now)
    return running_late | missed


def awaiting_answer_q() -> Q:
    """Active tickets where the client spoke last: their latest mail, comment, confirmation or
    reopening is later than our latest public answer (or we never answered). Internal notes
    are not answers (see ``tickets.activity``)."""
    return Q(state__in=ACTIVE_STATES, last_client_activity_at__isnull=False) & (
        Q(last_staff_reply_at__isnull=True)
        | Q(last_client_activity_at__gt=F("last_staff_reply_at"))
    )


def unread_activity_q(user) -> Q:
    """Client activity ``user`` has not seen: their "seen" mark of the ticket is older than
    it, or they never opened the ticket."""
    seen = TicketSeen.objects.filter(
        ticket=OuterRef("pk"), user=user, seen_at__gte=OuterRef("last_client_activity_at")
    )
    return Q(last_client_activity_at__isnull=False) & ~Exists(seen)


def with_unread_activity(tickets: QuerySet[Ticket], user) -> QuerySet[Ticket]:
    """Annotate ``unread_activity`` (bool) for ``user`` on the rows the query loads: meant for
    the loader of a page (a correlated EXISTS on the unique (user, ticket) index per row), not
    for the query that sorts or counts the whole queue."""
    return tickets.annotate(
        unread_activity=ExpressionWrapper(unread_activity_q(user), output_field=BooleanField())
    )


# COUNT(*) rather than COUNT(id): a count that names no column can be answered from an index
# alone (an index-only scan), whichever partial index the planner picks.
COUNT_ROWS = Func(template="COUNT(*)", output_field=IntegerField())


def queue_counters(scope: QuerySet[Ticket], now: datetime) -> dict[str, int]:
    """The queue counters of ``scope`` (a queue's default rows), each counting exactly the rows
    its link lists: all of them, ``at_risk_q``, ``breached_q``, ``awaiting_answer_q``.

    One statement of index-only counts (UNION ALL) instead of one pass over every active
    ticket: each part matches a partial index of ``Ticket.Meta`` (the active tickets, the
    running clocks by deadline, the missed GTIs, the tickets awaiting our answer). "Breached"
    is counted as its two disjoint halves, so each half reads its own index.
    """
    running_late, missed = breached_parts(now)
    parts = {
        "active": Q(),
        "at_risk": at_risk_q(now),
        "breached": running_late,
        "breached_measured": missed & ~running_late,
        "awaiting": awaiting_answer_q(),
    }
    scope = scope.order_by()
    queries = [
        scope.filter(condition).annotate(part=Value(name), n=COUNT_ROWS).values_list("part", "n")
        for name, condition in parts.items()
    ]
    counts = dict(queries[0].union(*queries[1:], all=True))
    counts["breached"] += counts.pop("breached_measured")
    return counts


def queue_counters_shared(key: str, scope: QuerySet[Ticket], now: datetime) -> dict[str, int]:
    """``queue_counters``, shared for ``QUEUE_COUNTERS_SECONDS`` by every request for the same
    queue (``key``) once it holds ``QUEUE_COUNTERS_SHARED_FROM`` active tickets or more.

    Counting reads one index entry per counted ticket: 0.7 ms at 3,000 active, 16 ms at 35,000,
    on every page and every htmx refresh of every technician. On such a queue a count a few
    seconds old says the same thing; a smaller queue is counted at each request, so a
    technician who closes one of their 12 tickets sees 11 at once. The rows are always read
    fresh."""
    seconds = settings.QUEUE_COUNTERS_SECONDS
    if seconds:
        shared = cache.get(f"queue-counters:{key}")
        if shared is not None:
            return shared
    counts = queue_counters(scope, now)
    if seconds and counts["active"] >= settings.QUEUE_COUNTERS_SHARED_FROM:
        cache.set(f"queue-counters:{key}", counts, seconds)
    return counts
