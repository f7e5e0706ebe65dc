"""Who is on shift, who comes next, and which tickets were left without an owner.

Public entry point for the dispatch screen:
``orphaned_tickets(now)``: open tickets whose owner's shift has ended and who is not on shift
now (no handover was done) — they need a new owner.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from tickets.models import OPEN_STATES, Ticket

from .models import ShiftAssignment, local_span

# How far back a finished shift still makes its agent's leftover tickets "orphaned".
LOOKBACK_DAYS = 7
# An agent starting within this delay is proposed as the incoming agent of a handover.
INCOMING_WINDOW = timedelta(hours=3)


def _assignments(now: datetime, days_back: int, days_ahead: int = 1) -> list[ShiftAssignment]:
    today = timezone.localdate(now)
    return list(
        ShiftAssignment.objects.filter(
            day__gte=today - timedelta(days=days_back), day__lte=today + timedelta(days=days_ahead)
        ).select_related("shift", "technician__user")
    )


def on_duty(now: datetime | None = None) -> list[ShiftAssignment]:
    """Assignments whose shift covers ``now`` (night shifts started yesterday included)."""
    now = now or timezone.now()
    return [a for a in _assignments(now, 1, 0) if a.span()[0] <= now < a.span()[1]]


def incoming_agents(now: datetime | None = None, exclude=None) -> list:
    """Technicians on shift now or starting within ``INCOMING_WINDOW``, soonest first."""
    now = now or timezone.now()
    rows = []
    for assignment in _assignments(now, 1, 1):
        start, end = assignment.span()
        if end > now and start <= now + INCOMING_WINDOW:
            rows.append((start, assignment.technician))
    seen, agents = set(), []
    for _start, technician in sorted(rows, key=lambda r: r[0]):
        if technician.pk not in seen and technician != exclude:
            seen.add(technician.pk)
            agents.append(technician)
    return agents


def off_shift_owner_ids(now: datetime) -> set[int]:
    """Agents with a shift finished in the last ``LOOKBACK_DAYS`` days and not on shift now."""
    finished, working = set(), set()
    for assignment in _assignments(now, LOOKBACK_DAYS + 1, 0):
        start, end = local_span(
            assignment.day, assignment.shift.start_time, assignment.shift.end_time
        )
        if start <= now < end:
            working.add(assignment.technician_id)
        elif end <= now:
            finished.add(assignment.technician_id)
    return finished - working


def orphaned_tickets(now: datetime | None = None) -> QuerySet[Ticket]:
    """Open tickets left with an owner whose shift has ended (two queries).

    Only agents working in shifts count: a RUN/BUILD engineer or a manager with no shift never
    makes a ticket orphaned.
    """
    now = now or timezone.now()
    return (
        Ticket.objects.filter(state__in=OPEN_STATES, assignee_id__in=off_shift_owner_ids(now))
        .select_related("client", "assignee__user")
        .order_by("gti_deadline", "pk")
    )


def open_tickets_of(technician) -> QuerySet[Ticket]:
    """The open tickets a technician owns: what a handover passes on."""
    return (
        Ticket.objects.filter(state__in=OPEN_STATES, assignee=technician)
        .select_related("client")
        .order_by("gti_deadline", "pk")
    )
