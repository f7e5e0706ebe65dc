"""Resolved tickets close themselves when the client does not react.

Plan of one resolution (delays in business days of the Oceanis calendar, from ``resolved_at``):
``TICKETS_CLOSURE_REMINDER_BUSINESS_DAYS`` → a public reminder event (mailed to the client) stating
the closure date; ``TICKETS_AUTO_CLOSE_BUSINESS_DAYS`` → closure by the system, synthesis = the
resolution report. The closure never comes before the date the reminder announced: a reminder
sent late (sweeper stopped for a while) pushes the closure back by the interval between the two
delays. A client reply reopens the ticket (or the client confirms), which ends the plan; a later
resolution starts a new one. ``0`` disables a step; without auto-closure there is no reminder.

Each ticket is handled under its row lock in its own transaction, and every step checks the
state it is about to change: two sweeps running at once, or a sweep racing a client reply,
produce one reminder and one closure at most.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime

from oceanis.messages import Message

from .business_days import business_days_after
from .models import EventKind, State, Ticket
from .services import TicketTransitionError, ticket_close
from .services.conversation import closure_reminder_of, ticket_send_closure_reminder

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    reminded: int = 0
    closed: int = 0


def resolution_note(ticket: Ticket) -> str:
    """The technician's public note on the last resolution, if any."""
    event = (
        ticket.events.filter(kind=EventKind.TRANSITION, to_state=State.RESOLVED, public=True)
        .order_by("-at", "-pk")
        .first()
    )
    return event.body.strip() if event else ""


def _delays() -> tuple[int, int]:
    close_days = max(settings.TICKETS_AUTO_CLOSE_BUSINESS_DAYS, 0)
    remind_days = max(settings.TICKETS_CLOSURE_REMINDER_BUSINESS_DAYS, 0)
    if not close_days or remind_days >= close_days:
        remind_days = 0  # a reminder announces a closure: none without one, none after it
    return remind_days, close_days


def planned_closure(ticket: Ticket) -> datetime | None:
    """When the resolved ticket will close itself (None: not resolved or auto-closure off)."""
    _remind_days, close_days = _delays()
    if not close_days or ticket.state != State.RESOLVED or ticket.resolved_at is None:
        return None
    planned = business_days_after(ticket.resolved_at, close_days)
    reminder = closure_reminder_of(ticket)
    announced = _announced(reminder.payload) if reminder else None
    return max(planned, announced) if announced else planned


def sweep_resolved_tickets(*, now: datetime | None = None) -> SweepResult:
    """Send the due reminders and close the due tickets; safe to run at any frequency."""
    now = now or timezone.now()
    remind_days, close_days = _delays()
    result = SweepResult()
    if not close_days:
        return result
    # N business days are at least N calendar days: a cheap SQL bound, refined per ticket.
    first_step = remind_days or close_days
    due = Ticket.objects.filter(
        state=State.RESOLVED, resolved_at__lte=now - timedelta(days=first_step)
    ).order_by("resolved_at", "pk")
    with translation.override(settings.LANGUAGE_CODE):
        for pk in list(due.values_list("pk", flat=True)):
            try:
                step = _advance(pk, now=now, remind_days=remind_days, close_days=close_days)
            except Exception:
                logger.exception("Automatic closure of ticket %s failed", pk)
                continue
            if step == "reminded":
                result.reminded += 1
            elif step == "closed":
                result.closed += 1
    return result


def _advance(pk: int, *, now: datetime, remind_days: int, close_days: int) -> str:
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=pk, state=State.RESOLVED).first()
        if ticket is None or ticket.resolved_at is None:
            return ""
        planned = business_days_after(ticket.resolved_at, close_days)
        reminder = closure_reminder_of(ticket) if remind_days else None
        if remind_days and reminder is None:
            if now < business_days_after(ticket.resolved_at, remind_days):
                return ""
            # Late reminder: the client still gets the announced interval before the closure.
            closes_at = max(planned, business_days_after(now, close_days - remind_days))
            sent = ticket_send_closure_reminder(ticket=ticket, closes_at=closes_at, at=now)
            return "reminded" if sent else ""
        announced = _announced(reminder.payload) if reminder else None
        if now < (max(planned, announced) if announced else planned):
            return ""
        synthesis = resolution_note(ticket) or Message("ticket.auto_closed")
        try:
            ticket_close(
                ticket=ticket, by=None, synthesis=synthesis, at=now, payload={"auto": True}
            )
        except TicketTransitionError:
            return ""
        return "closed"


def _announced(payload: dict) -> datetime | None:
    value = payload.get("closes_at") if payload else None
    return parse_datetime(value) if value else None
