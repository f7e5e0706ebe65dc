"""Shared machinery of the ticket services: the ticket's event log and its FSM transitions.

Locking, the transition itself and the append-only insert are ``oceanis.transitions``; what is
the ticket's own is here: the policy action behind each transition, the "who spoke last"
instants kept in step with the log, and the announcement of each committed event."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oceanis.transitions import TransitionRefused, append_event, state_transition
from sla.policy import AT_RISK_RATIO, coverage_for, gti_rule
from staff import policy
from staff.policy import Action

from ..activity import is_client_activity, is_staff_reply
from ..models import (
    EventKind,
    Ticket,
    TicketEvent,
)
from ..signals import event_committed

if TYPE_CHECKING:
    from django.contrib.auth.models import User

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

# The policy action behind each FSM transition method.
TRANSITION_ACTIONS = {
    "take_in_charge": Action.TICKET_TAKE,
    "put_pending": Action.TICKET_PENDING,
    "resume": Action.TICKET_RESUME,
    "resolve": Action.TICKET_RESOLVE,
    "close": Action.TICKET_CLOSE,
    "reopen": Action.TICKET_REOPEN,
    "cancel": Action.TICKET_CANCEL,
}


class TicketTransitionError(TransitionRefused):
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


# Set while past events are written as history (demo data, imports): nobody is told of them.
_HISTORY: ContextVar[bool] = ContextVar("ticket_history", default=False)


@contextmanager
def ticket_events_as_history() -> Iterator[None]:
    """Write the events of the block as history: their readers (mails to clients, staff
    notices, on-call, webhooks sent from ``event_committed``) are not told. Backdated demo
    data must not mail a client about a ticket "resolved" weeks ago, and telling every reader
    of every seeded event is most of the time spent seeding. The caller marks what the readers'
    sweepers would otherwise pick up (their look-back windows) as processed."""
    token = _HISTORY.set(True)
    try:
        yield
    finally:
        _HISTORY.reset(token)


def at_or_now(at: datetime | None) -> datetime:
    return at or timezone.now()


def record_event(
    ticket: Ticket,
    kind: str,
    *,
    by: User | None = None,
    at: datetime | None = None,
    **fields: Any,
) -> TicketEvent:
    """Append one event to the ticket's log (call it inside the transaction that changed the
    ticket); its readers hear of it once the transaction commits."""
    event = append_event(
        TicketEvent, ticket=ticket, kind=kind, actor=by, at=at_or_now(at), **fields
    )
    _stamp_conversation(ticket, event)
    if not _HISTORY.get():
        transaction.on_commit(lambda: _announce(event))
    return event


def _stamp_conversation(ticket: Ticket, event: TicketEvent) -> None:
    """Keep the ticket's "who spoke last" instants in step with its log (one UPDATE, only for
    events that are part of the conversation), so queues mark and filter unanswered tickets."""
    if is_client_activity(event, ticket):
        field = "last_client_activity_at"
    elif is_staff_reply(event):
        field = "last_staff_reply_at"
    else:
        return
    if getattr(ticket, field) == event.at:
        return  # already written with the row (creation)
    setattr(ticket, field, event.at)
    Ticket.objects.filter(pk=ticket.pk).update(**{field: event.at})


def _announce(event: TicketEvent) -> None:
    """Hand the committed event to its readers through ONE Celery message: the readers do
    their work in that task, in the worker, not in the request (one broker round trip per
    event on the hot path, one task per event in the worker). Without a broker it is handed to
    ``run_schedule`` when one runs (``oceanis.handoff``: ``make run``), else it runs inline.

    A broker outage must not turn a committed change into an error for the caller: it is
    logged, and each reader's periodic sweeper picks up the events it missed."""
    from oceanis import handoff

    from ..tasks import announce_event

    try:
        handoff.delay(announce_event, event.pk)
    except Exception:
        logger.exception("Could not announce ticket event %s; the sweepers will", event.pk)


def notify_readers(event: TicketEvent) -> None:
    """Send ``event_committed`` to every reader; a failing reader is logged, never raised (the
    others still run; its sweeper catches the event up)."""
    for receiver, result in event_committed.send_robust(sender=TicketEvent, event=event):
        if isinstance(result, Exception):
            logger.error(
                "event_committed reader %s failed for event %s",
                getattr(receiver, "__qualname__", receiver),
                event.pk,
                exc_info=result,
            )


def apply_transition(
    ticket: Ticket,
    method: str,
    *,
    by: User | None,
    at: datetime | None = None,
    note: str = "",
    public: bool = True,
    minutes_spent: int = 0,
    before: Callable[[Ticket, datetime], None] | None = None,
    payload: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
) -> Ticket:
    """Apply an FSM transition on a locked copy, log it, and refresh the caller's instance.

    The policy is asked on the locked row (nothing is saved yet if it refuses): a technician
    never takes over a ticket that a colleague got in the meantime."""
    at = at_or_now(at)

    def stamp(locked: Ticket, source: str) -> None:
        # After the state machine: the loser of a race is told the ticket is already taken.
        policy.check(by, TRANSITION_ACTIONS[method], locked, **(context or {}))
        if before:
            before(locked, at)

    def log(locked: Ticket, source: str) -> TicketEvent:
        return record_event(
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

    state_transition(ticket, method, log=log, refused=TicketTransitionError, stamp=stamp)
    return ticket


# --- creation -------------------------------------------------------------------------------


def apply_gti(ticket: Ticket) -> None:
    rule = gti_rule(
        ticket.urgency,
        ticket.contract_hours_plan or None,
        ticket.gti_commitments,
        coverage=coverage_for(ticket.contract_id),  # the contract's on-call plan, if any
    )
    ticket.gti_basis = rule.basis
    ticket.gti_duration = rule.duration
    ticket.gti_deadline = rule.calendar.add(ticket.created_at, rule.duration)
    ticket.gti_risk_at = rule.calendar.add(ticket.created_at, rule.duration * AT_RISK_RATIO)


def check_belongs_to_client(ticket: Ticket) -> None:
    errors = {}
    contact, site = ticket.contact, ticket.site
    if contact is not None and contact.client_id != ticket.client_id:
        errors["contact"] = _("Ce contact appartient à un autre client.")
    if site is not None and site.client_id != ticket.client_id:
        errors["site"] = _("Ce site appartient à un autre client.")
    if errors:
        raise ValidationError(errors)


# --- assignment and lifecycle ----------------------------------------------------------------


def apply_qualification(ticket: Ticket, values: dict[str, Any]) -> dict[str, list[Any]]:
    changes = {}
    for field, value in values.items():
        old = getattr(ticket, field)
        if old != value:
            changes[field] = [_jsonable(old), _jsonable(value)]
            setattr(ticket, field, value)
    check_belongs_to_client(ticket)
    return changes


def _jsonable(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    return value
