"""The only write path for tickets.

Every function runs in one database transaction, locks the ticket row, applies the FSM transition
(which refuses forbidden moves), updates the ticket and appends one immutable ``TicketEvent``.
Web views, the API, inbound mail, monitoring alerts and on-call acknowledgements all call these.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from clients.models import Client, Contact, Contract, Site
from sla.policy import AT_RISK_RATIO, Urgency, calendar_for, gti_rule
from staff.models import Technician

from .models import (
    NOT_TAKEN_STATES,
    Complexity,
    EscalationLevel,
    EventKind,
    Kind,
    PendingOn,
    State,
    Ticket,
    TicketEvent,
)
from .references import next_reference
from .signals import event_committed

QUALIFICATION_FIELDS = (
    "kind",
    "urgency",
    "complexity",
    "technical_domain",
    "service_type",
    "equipment",
    "billable",
    "site",
    "contact",
)


logger = logging.getLogger(__name__)

RELATED_FIELDS = ("client", "contact", "site", "contract", "assignee", "created_by", "resolver")


class TicketTransitionError(Exception):
    """A transition that the ticket's current state does not allow (or that lost a race)."""

    def __init__(self, ticket: Ticket, action: str, message: str | None = None):
        self.ticket = ticket
        self.action = action
        self.state = ticket.state
        super().__init__(
            message
            or _("Action « %(action)s » impossible : la demande %(ref)s est « %(state)s ».")
            % {"action": action, "ref": ticket.reference, "state": ticket.get_state_display()}
        )


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def _record(ticket: Ticket, kind: str, *, by=None, at=None, **fields) -> TicketEvent:
    event = TicketEvent(ticket=ticket, kind=kind, actor=by, at=_now(at), **fields)
    event.save(force_insert=True)
    transaction.on_commit(lambda: _announce(event))
    return event


def _announce(event: TicketEvent) -> None:
    """Tell the event's readers it is committed. A failing reader (broker down, bug) must not
    turn a committed change into an error for the caller: it is logged, and each reader's
    periodic sweeper picks up the events it missed."""
    for receiver, result in event_committed.send_robust(sender=TicketEvent, event=event):
        if isinstance(result, Exception):
            logger.error(
                "event_committed reader %s failed for event %s",
                getattr(receiver, "__qualname__", receiver),
                event.pk,
                exc_info=result,
            )


def _locked(ticket: Ticket) -> Ticket:
    """Re-read the ticket under a row lock: the last writer sees the first one's state."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _transition(
    ticket: Ticket,
    method: str,
    *,
    by,
    at: datetime | None = None,
    note: str = "",
    public: bool = True,
    minutes_spent: int = 0,
    before: Callable[[Ticket, datetime], None] | None = None,
    payload: dict | None = None,
) -> Ticket:
    """Apply an FSM transition on a locked copy, log it, and refresh the caller's instance."""
    at = _now(at)
    with transaction.atomic():
        locked = _locked(ticket)
        source = locked.state
        try:
            getattr(locked, method)()
        except TransitionNotAllowed as exc:
            raise TicketTransitionError(locked, method) from exc
        if before:
            before(locked, at)
        try:
            locked.save()
        except ConcurrentTransition as exc:  # pragma: no cover - the row lock prevents it
            raise TicketTransitionError(locked, method) from exc
        _record(
            locked,
            EventKind.TRANSITION,
            by=by,
            at=at,
            from_state=source,
            to_state=locked.state,
            body=note,
            public=public,
            minutes_spent=minutes_spent,
            payload={"action": method, **(payload or {})},
        )
    ticket.refresh_from_db()
    return ticket


# --- creation -------------------------------------------------------------------------------


def _apply_gti(ticket: Ticket) -> None:
    rule = gti_rule(ticket.urgency, ticket.contract_hours_plan or None, ticket.gti_commitments)
    ticket.gti_basis = rule.basis
    ticket.gti_duration = rule.duration
    ticket.gti_deadline = rule.calendar.add(ticket.created_at, rule.duration)
    ticket.gti_risk_at = rule.calendar.add(ticket.created_at, rule.duration * AT_RISK_RATIO)


def ticket_create(
    *,
    client: Client,
    title: str,
    urgency: str,
    channel: str,
    by=None,
    description: str = "",
    kind: str = Kind.REQUEST,
    complexity: str = Complexity.STANDARD,
    contact: Contact | None = None,
    site: Site | None = None,
    technical_domain: str = "",
    service_type: str = "",
    equipment: str = "",
    billable: bool | None = None,
    assignee: Technician | None = None,
    created_at: datetime | None = None,
) -> Ticket:
    """Create and qualify a ticket; its creation instant is the GTI reference time.

    The client's contract in force is attached and its hours plan and GTI commitments are frozen
    on the ticket. ``billable`` defaults to "not covered by a flat-fee managed contract".
    """
    created_at = _now(created_at)
    contract: Contract | None = client.active_contract(timezone.localdate(created_at))
    ticket = Ticket(
        client=client,
        contact=contact,
        site=site,
        contract=contract,
        title=title,
        description=description,
        kind=kind,
        channel=channel,
        urgency=urgency,
        complexity=complexity,
        technical_domain=technical_domain,
        service_type=service_type,
        equipment=equipment,
        created_by=by,
        created_at=created_at,
        contract_hours_plan=contract.hours_plan if contract else "",
        gti_commitments=contract.commitments() if contract else {},
        billable=(not (contract and contract.is_flat_fee)) if billable is None else billable,
    )
    _check_belongs_to_client(ticket)
    # Related objects were handed over as instances: re-checking that each exists would cost
    # one query per foreign key on the hottest write path.
    ticket.full_clean(exclude=["reference", "state", *RELATED_FIELDS])
    _apply_gti(ticket)
    with transaction.atomic():
        ticket.reference = next_reference(timezone.localdate(created_at).year)
        ticket.save(force_insert=True)
        _record(
            ticket,
            EventKind.CREATED,
            by=by,
            at=created_at,
            to_state=State.NEW,
            public=True,
            body=description,
            payload={"channel": channel, "urgency": urgency},
        )
    if assignee is not None:
        ticket_assign(ticket=ticket, technician=assignee, by=by, at=created_at)
    return ticket


def _check_belongs_to_client(ticket: Ticket) -> None:
    errors = {}
    if ticket.contact_id and ticket.contact.client_id != ticket.client_id:
        errors["contact"] = _("Ce contact appartient à un autre client.")
    if ticket.site_id and ticket.site.client_id != ticket.client_id:
        errors["site"] = _("Ce site appartient à un autre client.")
    if errors:
        raise ValidationError(errors)


# --- assignment and lifecycle ----------------------------------------------------------------


def ticket_assign(
    *, ticket: Ticket, technician: Technician, by, at: datetime | None = None, note: str = ""
) -> Ticket:
    """Assign or reassign. A new ticket becomes assigned; a ticket in progress keeps its state."""
    at = _now(at)
    with transaction.atomic():
        locked = _locked(ticket)
        if not locked.is_open:
            raise TicketTransitionError(locked, "assign")
        previous = locked.assignee
        source = locked.state
        if locked.state in NOT_TAKEN_STATES:
            locked.assign()
        locked.assignee = technician
        locked.save()
        _record(
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


def ticket_take_in_charge(*, ticket: Ticket, by, at: datetime | None = None) -> Ticket:
    """Start the intervention: ends the TI the first time only, and measures it against the GTI.

    The technician taking it becomes the assignee when they have a staff profile.
    """

    def stamp(locked: Ticket, now: datetime) -> None:
        technician = getattr(by, "technician", None)
        if technician is not None:
            locked.assignee = technician
        if locked.taken_in_charge_at is None:
            locked.taken_in_charge_at = now
            _measure_ti(locked)

    return _transition(ticket, "take_in_charge", by=by, at=at, before=stamp)


def _measure_ti(ticket: Ticket) -> None:
    if not ticket.gti_basis or ticket.gti_duration is None:
        return
    calendar = calendar_for(ticket.gti_basis)
    ticket.ti_measured = calendar.elapsed(ticket.created_at, ticket.taken_in_charge_at)
    ticket.gti_met = ticket.ti_measured <= ticket.gti_duration


def ticket_set_pending(
    *, ticket: Ticket, by, reason: str, on: str = PendingOn.CLIENT, at: datetime | None = None
) -> Ticket:
    """Wait on the client or a third party; the reason is shown to the client."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de la mise en attente.")})
    on = PendingOn(on)

    def stamp(locked: Ticket, now: datetime) -> None:
        locked.pending_on = on
        locked.pending_reason = reason.strip()

    return _transition(
        ticket,
        "put_pending",
        by=by,
        at=at,
        note=reason.strip(),
        before=stamp,
        payload={"pending_on": on.value},
    )


def ticket_resume(*, ticket: Ticket, by, at: datetime | None = None, note: str = "") -> Ticket:
    def stamp(locked: Ticket, now: datetime) -> None:
        locked.pending_on = ""
        locked.pending_reason = ""

    return _transition(ticket, "resume", by=by, at=at, note=note, before=stamp)


def ticket_resolve(
    *, ticket: Ticket, by, note: str = "", minutes_spent: int = 0, at: datetime | None = None
) -> Ticket:
    def stamp(locked: Ticket, now: datetime) -> None:
        locked.resolved_at = now
        locked.pending_on = ""
        locked.pending_reason = ""

    return _transition(
        ticket, "resolve", by=by, at=at, note=note, minutes_spent=minutes_spent, before=stamp
    )


def ticket_close(
    *,
    ticket: Ticket,
    by,
    synthesis: str,
    qualification: dict | None = None,
    at: datetime | None = None,
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
        changes = _apply_qualification(locked, qualification)
        locked.full_clean(exclude=["reference", "state"])
        locked.closed_at = now
        locked.closure_synthesis = synthesis.strip()
        _measure_treatment(locked)
        if changes:
            _record(locked, EventKind.QUALIFICATION, by=by, at=now, payload={"changes": changes})

    return _transition(ticket, "close", by=by, at=at, note=synthesis.strip(), before=stamp)


def _apply_qualification(ticket: Ticket, values: dict) -> dict:
    changes = {}
    for field, value in values.items():
        old = getattr(ticket, field)
        if old != value:
            changes[field] = [_jsonable(old), _jsonable(value)]
            setattr(ticket, field, value)
    _check_belongs_to_client(ticket)
    return changes


def _jsonable(value):
    if hasattr(value, "pk"):
        return value.pk
    return value


def _measure_treatment(ticket: Ticket) -> None:
    start, end = ticket.taken_in_charge_at, ticket.closed_at
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


def ticket_reopen(*, ticket: Ticket, by, reason: str, at: datetime | None = None) -> Ticket:
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez pourquoi la demande est réouverte.")})

    def stamp(locked: Ticket, now: datetime) -> None:
        locked.resolved_at = None

    return _transition(ticket, "reopen", by=by, at=at, note=reason.strip(), before=stamp)


def ticket_cancel(*, ticket: Ticket, by, reason: str, at: datetime | None = None) -> Ticket:
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif d'annulation.")})
    return _transition(ticket, "cancel", by=by, at=at, note=reason.strip())


def ticket_escalate(
    *,
    ticket: Ticket,
    by,
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
    at = _now(at)
    with transaction.atomic():
        locked = _locked(ticket)
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
        _record(
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
    *, ticket: Ticket, by, resolver: Technician, reason: str, at: datetime | None = None
) -> Ticket:
    """Hand the resolution to another engineer at the current level; the owner stays the same."""
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif du changement de résolveur.")})
    at = _now(at)
    with transaction.atomic():
        locked = _locked(ticket)
        if not locked.is_open:
            raise TicketTransitionError(locked, "set_resolver")
        previous = locked.resolver
        locked.resolver = resolver
        locked.save()
        _record(
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
    *, ticket: Ticket, by, urgency: str, at: datetime | None = None, note: str = ""
) -> Ticket:
    """Change the urgency; before taking in charge the GTI deadline is recomputed from creation."""
    urgency = Urgency(urgency)
    at = _now(at)
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.urgency == urgency:
            return ticket
        if not locked.is_open:
            raise TicketTransitionError(locked, "change_urgency")
        previous_deadline = locked.gti_deadline
        previous = locked.urgency
        locked.urgency = urgency
        if locked.taken_in_charge_at is None:
            _apply_gti(locked)
            locked.sla_warning_level = 0
        locked.save()
        _record(
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


def ticket_add_entry(
    *,
    ticket: Ticket,
    by,
    body: str,
    public: bool,
    minutes_spent: int = 0,
    at: datetime | None = None,
    payload: dict | None = None,
    kind: str | None = None,
) -> TicketEvent:
    """Add a public report (compte-rendu, visible to the client) or an internal note.

    ``payload`` carries context for the event's readers (e.g. a comment written by the client
    on the extranet). ``kind`` may be ``email_in`` for a received email (public or not);
    by default it is ``report`` or ``note`` according to ``public``.
    """
    if kind not in (None, EventKind.REPORT, EventKind.NOTE, EventKind.EMAIL_IN):
        raise ValueError(f"Not an entry kind: {kind!r}")
    if not body.strip():
        raise ValidationError({"body": _("Le texte est obligatoire.")})
    if minutes_spent < 0:
        raise ValidationError({"minutes_spent": _("Le temps passé ne peut pas être négatif.")})
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.state == State.CANCELLED:
            raise TicketTransitionError(locked, "add_entry")
        locked.save(update_fields=["updated_at"])
        return _record(
            locked,
            kind or (EventKind.REPORT if public else EventKind.NOTE),
            by=by,
            at=at,
            body=body.strip(),
            public=public,
            minutes_spent=minutes_spent,
            payload=payload or {},
        )


def ticket_requalify(
    *, ticket: Ticket, by, values: dict, at: datetime | None = None, note: str = ""
) -> Ticket:
    """Change qualification fields of an unclosed ticket (urgency goes through its own service).

    Records one internal ``qualification`` event listing the changes; nothing when none.
    """
    unknown = set(values) - (set(QUALIFICATION_FIELDS) - {"urgency"})
    if unknown:
        raise ValueError(f"Not requalifiable here: {sorted(unknown)}")
    at = _now(at)
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.state in (State.CLOSED, State.CANCELLED):
            raise TicketTransitionError(locked, "requalify")
        changes = _apply_qualification(locked, values)
        if not changes:
            return ticket
        locked.full_clean(exclude=["reference", "state"])
        locked.save()
        _record(
            locked, EventKind.QUALIFICATION, by=by, at=at, body=note, payload={"changes": changes}
        )
    ticket.refresh_from_db()
    return ticket
