"""Escalation, resolver, urgency and qualification changes of an open ticket."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from oceanis.transitions import lock_for_update
from sla.policy import Urgency
from staff import policy
from staff.models import Technician
from staff.policy import Action

from ..models import (
    EscalationLevel,
    EventKind,
    State,
    Ticket,
)
from .base import (
    QUALIFICATION_FIELDS,
    TicketTransitionError,
    apply_gti,
    apply_qualification,
    at_or_now,
    record_event,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def ticket_escalate(
    *,
    ticket: Ticket,
    by: User | None,
    reason: str,
    level: int | None = None,
    resolver: Technician | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Escalate L1 → L2 → L3 with a reason; the owner (assignee) stays the same.

    ``resolver`` names the RUN/BUILD engineer who takes over the resolution (owner ≠ resolver).
    """
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de l'escalade.")})
    at = at_or_now(at)
    with transaction.atomic():
        locked = lock_for_update(ticket)
        policy.check(by, Action.TICKET_ESCALATE, locked)
        target = level if level is not None else locked.escalation_level + 1
        if not locked.is_open or target not in EscalationLevel.values:
            raise TicketTransitionError(locked, "escalate")
        if target <= locked.escalation_level:
            raise TicketTransitionError(
                locked, "escalate", _("La demande est déjà à ce niveau d'escalade ou au-delà.")
            )
        previous = locked.escalation_level
        locked.escalation_level = target
        if resolver is not None:
            locked.resolver = resolver
        locked.save()
        record_event(
            locked,
            EventKind.ESCALATION,
            by=by,
            at=at,
            body=reason.strip(),
            payload={
                "from": previous,
                "to": target,
                "resolver": resolver.pk if resolver else None,
                "resolver_name": str(resolver) if resolver else "",
            },
        )
    ticket.refresh_from_db()
    return ticket


def ticket_set_resolver(
    *,
    ticket: Ticket,
    by: User | None,
    resolver: Technician,
    reason: str,
    at: datetime | None = None,
) -> Ticket:
    """Hand the resolution to another engineer at the current level; the owner stays the same."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif du changement de résolveur.")})
    at = at_or_now(at)
    with transaction.atomic():
        locked = lock_for_update(ticket)
        policy.check(by, Action.TICKET_ESCALATE, locked)
        if not locked.is_open:
            raise TicketTransitionError(locked, "set_resolver")
        previous = locked.resolver
        locked.resolver = resolver
        locked.save()
        record_event(
            locked,
            EventKind.ESCALATION,
            by=by,
            at=at,
            body=reason.strip(),
            payload={
                "from": locked.escalation_level,
                "to": locked.escalation_level,
                "resolver": resolver.pk,
                "resolver_name": str(resolver),
                "previous_resolver": previous.pk if previous else None,
            },
        )
    ticket.refresh_from_db()
    return ticket


def ticket_change_urgency(
    *, ticket: Ticket, by: User | None, urgency: str, at: datetime | None = None, note: str = ""
) -> Ticket:
    """Change the urgency; before taking in charge the GTI deadline is recomputed from creation."""
    urgency = Urgency(urgency)
    at = at_or_now(at)
    with transaction.atomic():
        locked = lock_for_update(ticket)
        policy.check(by, Action.TICKET_URGENCY, locked)
        if locked.urgency == urgency:
            return ticket
        if not locked.is_open:
            raise TicketTransitionError(locked, "change_urgency")
        previous_deadline = locked.gti_deadline
        previous = locked.urgency
        locked.urgency = urgency
        if locked.taken_in_charge_at is None:
            apply_gti(locked)
            locked.sla_warning_level = 0
        locked.save()
        record_event(
            locked,
            EventKind.URGENCY,
            by=by,
            at=at,
            body=note,
            payload={
                "from": previous,
                "to": urgency.value,
                "previous_deadline": previous_deadline.isoformat() if previous_deadline else None,
                "deadline": locked.gti_deadline.isoformat() if locked.gti_deadline else None,
            },
        )
    ticket.refresh_from_db()
    return ticket


def ticket_requalify(
    *,
    ticket: Ticket,
    by: User | None,
    values: dict[str, Any],
    at: datetime | None = None,
    note: str = "",
) -> Ticket:
    """Change qualification fields of an unclosed ticket (urgency goes through its own service).

    Records one internal ``qualification`` event listing the changes; nothing when none.
    """
    unknown = set(values) - (set(QUALIFICATION_FIELDS) - {"urgency"})
    if unknown:
        raise ValueError(f"Not requalifiable here: {sorted(unknown)}")
    at = at_or_now(at)
    with transaction.atomic():
        locked = lock_for_update(ticket)
        policy.check(by, Action.TICKET_REQUALIFY, locked)
        if locked.state in (State.CLOSED, State.CANCELLED):
            raise TicketTransitionError(locked, "requalify")
        changes = apply_qualification(locked, values)
        if not changes:
            return ticket
        locked.full_clean(exclude=["reference", "state"])
        locked.save()
        record_event(
            locked, EventKind.QUALIFICATION, by=by, at=at, body=note, payload={"changes": changes}
        )
    ticket.refresh_from_db()
    return ticket
