"""What a client's reply does to a ticket, whatever the door (mail, extranet, API).

One rule for every door, so that no reply is ever a silent entry on a finished ticket:

- open ticket: the reply is added; waiting on the client, the ticket resumes;
- resolved ticket, within ``TICKETS_REOPEN_WITHIN_BUSINESS_DAYS``: the reply reopens it;
- closed ticket, or resolved for longer: a new ticket "Suite de OC-… : …" continues it, and the
  old timeline says where the conversation went (further replies join that follow-up while it
  is open);
- cancelled ticket: refused (the inbound mail path sends it to triage before coming here).

Also the closure reminder of a resolved ticket without client reaction (see ``tickets.autoclose``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from oceanis.messages import Message, moment
from oceanis.transitions import lock_for_update
from sla.policy import URGENCY_RANK, Urgency

from ..attachments import attachment_add
from ..business_days import business_days_after
from ..models import OPEN_STATES, Channel, EventKind, PendingOn, State, Ticket, TicketEvent
from .base import TicketTransitionError, at_or_now, record_event
from .creation import ticket_create
from .entries import ticket_add_entry
from .lifecycle import ticket_reopen, ticket_resume

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from clients.models import Contact

# A follow-up starts at most "slightly blocking": a "thank you" answered to a closure mail must
# not open a one-hour GTI (nor page the on-call engineer); the desk requalifies if needed.
FOLLOW_UP_MAX_URGENCY = Urgency.SLIGHTLY_BLOCKING


class ReplyOutcome(StrEnum):
    ADDED = "added"
    RESUMED = "resumed"
    REOPENED = "reopened"
    FOLLOW_UP = "follow_up"


@dataclass(frozen=True)
class ClientReply:
    """Where the reply landed: ``ticket`` is the follow-up for ``FOLLOW_UP`` (``event`` its
    creation), else the ticket answered (``event`` the reply entry)."""

    outcome: ReplyOutcome
    ticket: Ticket
    event: TicketEvent


def reopen_deadline(ticket: Ticket) -> datetime | None:
    """Until when a client's reply reopens this resolved ticket (None: not resolved)."""
    if ticket.state != State.RESOLVED or ticket.resolved_at is None:
        return None
    return business_days_after(ticket.resolved_at, settings.TICKETS_REOPEN_WITHIN_BUSINESS_DAYS)


def reply_opens_follow_up(ticket: Ticket, at: datetime | None = None) -> bool:
    """A reply now would open a new ticket (closed, or resolved beyond the reopening delay)."""
    if ticket.state == State.CLOSED:
        return True
    deadline = reopen_deadline(ticket)
    return deadline is not None and at_or_now(at) > deadline


def ticket_client_reply(
    *,
    ticket: Ticket,
    by: User | None,
    body: str,
    via: str,
    contact: Contact | None = None,
    payload: dict[str, Any] | None = None,
    files: Sequence[tuple[str, bytes]] = (),
    kind: str | None = None,
    at: datetime | None = None,
) -> ClientReply:
    """Record what a client said on a ticket and move the ticket accordingly, in one transaction.

    ``by``: the client's account (None for a mail); ``via``: the channel it came through, used
    for a follow-up ticket; ``contact``: the person who wrote, when known (else the ticket's
    requester); ``files``: validated ``(name, content)`` pairs; ``kind``: ``email_in`` for a
    mail (default: a public report).
    """
    if not (body or "").strip():
        raise ValidationError({"body": _("Le texte est obligatoire.")})
    at = at_or_now(at)
    with transaction.atomic():
        # The lock orders the reply with a concurrent automatic closure: whichever comes second
        # sees the state the first one left.
        locked = lock_for_update(ticket)
        if locked.state == State.CANCELLED:
            raise TicketTransitionError(
                locked,
                "client_reply",
                _("La demande %(ref)s est annulée : elle ne peut plus recevoir de réponse.")
                % {"ref": locked.reference},
            )
        if reply_opens_follow_up(locked, at):
            # A second mail answering the same closure mail joins the follow-up it opened.
            current = locked.follow_ups.filter(state__in=OPEN_STATES).order_by("-pk").first()
            if current is not None:
                return ticket_client_reply(
                    ticket=current,
                    by=by,
                    body=body,
                    via=via,
                    contact=contact,
                    payload=payload,
                    files=files,
                    kind=kind,
                    at=at,
                )
            # What is written into tickets is French whatever the writer's language.
            with translation.override(settings.LANGUAGE_CODE):
                reply = _follow_up(
                    locked, by=by, body=body, via=via, contact=contact, files=files, at=at
                )
        else:
            with translation.override(settings.LANGUAGE_CODE):
                reply = _answer(
                    locked, by=by, body=body, payload=payload, files=files, kind=kind, at=at
                )
    ticket.refresh_from_db()
    return reply


def _answer(
    locked: Ticket,
    *,
    by: User | None,
    body: str,
    payload: dict[str, Any] | None,
    files: Sequence[tuple[str, bytes]],
    kind: str | None,
    at: datetime,
) -> ClientReply:
    source = locked.state
    event = ticket_add_entry(
        ticket=locked,
        by=by,
        body=body,
        public=True,
        kind=kind,
        payload={"from_client": True, **(payload or {})},
        at=at,
    )
    _attach(locked, files, by=by, event=event)
    outcome = ReplyOutcome.ADDED
    if source == State.PENDING and locked.pending_on == PendingOn.CLIENT:
        ticket_resume(ticket=locked, by=by, at=at, note=Message("ticket.client_replied_resume"))
        outcome = ReplyOutcome.RESUMED
    elif source == State.RESOLVED:
        # The client's words are the entry just above; the reason says why it came back.
        ticket_reopen(
            ticket=locked,
            by=by,
            at=at,
            reason=Message("ticket.client_replied_reopen"),
        )
        outcome = ReplyOutcome.REOPENED
    return ClientReply(outcome, locked, event)


def _follow_up(
    locked: Ticket,
    *,
    by: User | None,
    body: str,
    via: str,
    contact: Contact | None,
    files: Sequence[tuple[str, bytes]],
    at: datetime,
) -> ClientReply:
    title = _("Suite de %(ref)s : %(title)s") % {"ref": locked.reference, "title": locked.title}
    new = ticket_create(
        client=locked.client,
        contact=contact or locked.contact,
        site=locked.site,
        title=title[:255],
        description=body.strip(),
        urgency=_follow_up_urgency(locked.urgency),
        kind=locked.kind,
        channel=via if via in Channel.values else Channel.EMAIL,
        by=by,
        created_at=at,
        follow_up_of=locked,
    )
    created = new.events.get(kind=EventKind.CREATED)
    _attach(new, files, by=by, event=created)
    if locked.state == State.CLOSED:
        note = Message("ticket.follow_up_after_closure", ref=new.reference)
    else:
        note = Message("ticket.follow_up_after_delay", ref=new.reference)
    ticket_add_entry(
        ticket=locked,
        by=None,
        body=note,
        public=False,
        payload={"follow_up": new.reference, "follow_up_id": new.pk},
        at=at,
    )
    return ClientReply(ReplyOutcome.FOLLOW_UP, new, created)


def _follow_up_urgency(urgency: str) -> str:
    if URGENCY_RANK[urgency] > URGENCY_RANK[FOLLOW_UP_MAX_URGENCY]:
        return FOLLOW_UP_MAX_URGENCY
    return urgency


def _attach(
    ticket: Ticket, files: Sequence[tuple[str, bytes]], *, by: User | None, event: TicketEvent
) -> None:
    for name, content in files:
        attachment_add(ticket=ticket, name=name, content=content, by=by, event=event, public=True)


def ticket_send_closure_reminder(
    *, ticket: Ticket, closes_at: datetime, at: datetime | None = None
) -> TicketEvent | None:
    """Tell the client a resolved ticket will close itself at ``closes_at`` (public event, mailed
    by the notifications). None when the ticket is no longer resolved or was already reminded
    for this resolution: running it twice sends one reminder."""
    at = at_or_now(at)
    with transaction.atomic():
        locked = lock_for_update(ticket)
        if locked.state != State.RESOLVED or locked.resolved_at is None:
            return None
        if closure_reminder_of(locked) is not None:
            return None
        body = Message(
            "ticket.closure_reminder",
            date=moment(closes_at, "SHORT_DATE_FORMAT"),
            time=moment(closes_at, "TIME_FORMAT"),
        )
        return record_event(
            locked,
            EventKind.CLOSURE_REMINDER,
            by=None,
            at=at,
            public=True,
            body=body,
            payload={"closes_at": closes_at.isoformat(), "resolved_at": _iso(locked.resolved_at)},
        )


def closure_reminder_of(ticket: Ticket) -> TicketEvent | None:
    """The reminder sent for the ticket's current resolution (a reopened then re-resolved
    ticket starts a new plan)."""
    if ticket.resolved_at is None:
        return None
    return (
        ticket.events.filter(kind=EventKind.CLOSURE_REMINDER, at__gte=ticket.resolved_at)
        .order_by("-at", "-pk")
        .first()
    )


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""
