"""Lifecycle transitions from assignment to closure, reopening and cancellation."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from oceanis.transitions import lock_for_update
from sla.policy import calendar_for
from staff import policy
from staff.models import Technician
from staff.policy import Action

from ..models import (
    NOT_TAKEN_STATES,
    EventKind,
    PendingOn,
    State,
    Ticket,
)
from .base import (
    QUALIFICATION_FIELDS,
    TicketTransitionError,
    apply_qualification,
    apply_transition,
    at_or_now,
    record_event,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def ticket_assign(
    *,
    ticket: Ticket,
    technician: Technician,
    by: User | None,
    at: datetime | None = None,
    note: str = "",
    handover: bool = False,
) -> Ticket:
    """Assign or reassign. A new ticket becomes assigned; a ticket in progress keeps its state.

    ``handover``: the outgoing agent passes their own ticket on at the end of a shift (the
    policy allows it to them, a reassignment otherwise reserved to the manager and deputy)."""
    at = at_or_now(at)
    with transaction.atomic():
        locked = lock_for_update(ticket)
        if not locked.is_open:
            raise TicketTransitionError(locked, "assign")
        policy.check(by, Action.TICKET_ASSIGN, locked, technician=technician, handover=handover)
        previous = locked.assignee
        source = locked.state
        if locked.state in NOT_TAKEN_STATES:
            locked.assign()
        locked.assignee = technician
        locked.save()
        record_event(
            locked,
            EventKind.ASSIGNED,
            by=by,
            at=at,
            from_state=source,
            to_state=locked.state,
            body=note,
            payload={
                "assignee": technician.pk,
                "assignee_name": str(technician),
                "previous": previous.pk if previous else None,
            },
        )
    ticket.refresh_from_db()
    return ticket


def ticket_take_in_charge(
    *, ticket: Ticket, by: User | None, at: datetime | None = None, page: object | None = None
) -> Ticket:
    """Start the intervention: ends the TI the first time only, and measures it against the GTI.

    The technician taking it becomes the assignee when they have a staff profile. ``page``: the
    on-call page of this ticket that ``by`` acknowledged; the rotation stands for the manager's
    arbitration, so the on-call technician may take it even when it was assigned to a colleague.
    """

    def stamp(locked: Ticket, now: datetime) -> None:
        technician = getattr(by, "technician", None)
        if technician is not None:
            locked.assignee = technician
        if locked.taken_in_charge_at is None:
            locked.taken_in_charge_at = now
            _measure_ti(locked, taken_at=now)

    context = {"page": page} if page is not None else None
    return apply_transition(ticket, "take_in_charge", by=by, at=at, before=stamp, context=context)


def _measure_ti(ticket: Ticket, *, taken_at: datetime) -> None:
    if not ticket.gti_basis or ticket.gti_duration is None:
        return
    # The calendar the deadline was computed on: later closures never re-judge a ticket.
    calendar = calendar_for(ticket.gti_basis, as_of=ticket.created_at)
    ticket.ti_measured = calendar.elapsed(ticket.created_at, taken_at)
    ticket.gti_met = ticket.ti_measured <= ticket.gti_duration


def ticket_set_pending(
    *,
    ticket: Ticket,
    by: User | None,
    reason: str,
    on: str = PendingOn.CLIENT,
    at: datetime | None = None,
) -> Ticket:
    """Wait on the client or a third party; the reason is shown to the client."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de la mise en attente.")})
    on = PendingOn(on)

    def stamp(locked: Ticket, now: datetime) -> None:
        locked.pending_on = on
        locked.pending_reason = reason.strip()

    return apply_transition(
        ticket,
        "put_pending",
        by=by,
        at=at,
        note=reason.strip(),
        before=stamp,
        payload={"pending_on": on.value},
    )


def ticket_resume(
    *, ticket: Ticket, by: User | None, at: datetime | None = None, note: str = ""
) -> Ticket:
    def stamp(locked: Ticket, now: datetime) -> None:
        locked.pending_on = ""
        locked.pending_reason = ""

    return apply_transition(ticket, "resume", by=by, at=at, note=note, before=stamp)


def ticket_resolve(
    *,
    ticket: Ticket,
    by: User | None,
    note: str,
    minutes_spent: int = 0,
    at: datetime | None = None,
) -> Ticket:
    """Resolve with the mandatory resolution report (``note``), public: the client reads it
    next to "Résolue" and decides from it whether to confirm or reopen."""
    if not (note or "").strip():
        message = _(
            "Le compte-rendu de résolution est obligatoire : il dit au client ce qui a été fait."
        )
        raise ValidationError({"note": message})
    note = note.strip()

    def stamp(locked: Ticket, now: datetime) -> None:
        locked.resolved_at = now
        locked.pending_on = ""
        locked.pending_reason = ""

    return apply_transition(
        ticket, "resolve", by=by, at=at, note=note, minutes_spent=minutes_spent, before=stamp
    )


def ticket_close(
    *,
    ticket: Ticket,
    by: User | None,
    synthesis: str,
    qualification: dict[str, Any] | None = None,
    at: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> Ticket:
    """Close with the mandatory synthesis comment, re-qualifying the ticket on the way.

    Stores the treatment time (taken in charge → closed) in business time, wall time and business
    time excluding periods spent pending on the client.
    """
    if not (synthesis or "").strip():
        raise ValidationError({"synthesis": _("Le commentaire de synthèse est obligatoire.")})
    qualification = qualification or {}
    unknown = set(qualification) - set(QUALIFICATION_FIELDS)
    if unknown:
        raise ValueError(f"Not qualification fields: {sorted(unknown)}")

    def stamp(locked: Ticket, now: datetime) -> None:
        changes = apply_qualification(locked, qualification)
        locked.full_clean(exclude=["reference", "state"])
        locked.closed_at = now
        locked.closure_synthesis = synthesis.strip()
        _measure_treatment(locked, end=now)
        if changes:
            record_event(
                locked, EventKind.QUALIFICATION, by=by, at=now, payload={"changes": changes}
            )

    return apply_transition(
        ticket, "close", by=by, at=at, note=synthesis.strip(), before=stamp, payload=payload
    )


def _measure_treatment(ticket: Ticket, *, end: datetime) -> None:
    start = ticket.taken_in_charge_at
    if start is None:
        return
    calendar = calendar_for(ticket.gti_basis or "standard")
    ticket.treatment_wall = end - start
    ticket.treatment_business = calendar.elapsed(start, end)
    waiting = sum(
        (calendar.elapsed(a, b) for a, b in _client_wait_periods(ticket, end)), timedelta()
    )
    ticket.treatment_business_excl_client_wait = ticket.treatment_business - waiting


def _client_wait_periods(ticket: Ticket, end: datetime) -> list[tuple[datetime, datetime]]:
    """Intervals spent pending on the client, read back from the event log."""
    periods, started = [], None
    events = ticket.events.filter(kind=EventKind.TRANSITION).order_by("at", "pk")
    for event in events.only("at", "to_state", "from_state", "payload"):
        if event.to_state == State.PENDING and event.payload.get("pending_on") == PendingOn.CLIENT:
            started = event.at
        elif event.from_state == State.PENDING and started is not None:
            periods.append((started, event.at))
            started = None
    if started is not None:
        periods.append((started, end))
    return periods


def ticket_reopen(
    *, ticket: Ticket, by: User | None, reason: str, at: datetime | None = None
) -> Ticket:
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez pourquoi la demande est réouverte.")})

    def stamp(locked: Ticket, now: datetime) -> None:
        locked.resolved_at = None

    return apply_transition(ticket, "reopen", by=by, at=at, note=reason.strip(), before=stamp)


def ticket_cancel(
    *,
    ticket: Ticket,
    by: User | None,
    reason: str,
    at: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> Ticket:
    """``payload``: context for the event's readers (a merge names the target ticket)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif d'annulation.")})
    return apply_transition(ticket, "cancel", by=by, at=at, note=reason.strip(), payload=payload)
