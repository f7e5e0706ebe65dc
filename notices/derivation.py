"""The one place deciding who is told what: ticket events, on-call pages and major incidents
become notice drafts for the staff concerned.

Rules shared by every kind: only active staff users are notified (client contacts never), and
nobody is notified of their own action.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from staff.models import DEPUTY_GROUP, MANAGER_GROUP
from tickets.activity import is_client_activity
from tickets.models import EventKind, State, Ticket, TicketEvent, TicketWatcher

from .models import DerivedEvent, NoticeKind
from .services import Draft, notices_create

# "@username" not preceded by a word character (an e-mail address is not a mention); a
# trailing dot or dash is punctuation, not part of the name.
MENTION = re.compile(r"(?<![\w@])@([\w.@+-]*\w)")

# Kinds told to the assignee, the resolver and the staff watchers.
CLIENT_KINDS = (
    NoticeKind.CLIENT_EMAIL,
    NoticeKind.CLIENT_COMMENT,
    NoticeKind.CLIENT_CONFIRMED,
    NoticeKind.CLIENT_REOPENED,
)


def ticket_url(ticket: Ticket) -> str:
    return reverse("backoffice:ticket", args=[ticket.reference])


def _staff_ids(user_ids) -> set[int]:
    """Of these users, the active staff ones (one query)."""
    ids = {pk for pk in user_ids if pk}
    if not ids:
        return set()
    return set(
        get_user_model()
        .objects.filter(pk__in=ids, is_staff=True, is_active=True)
        .values_list("pk", flat=True)
    )


def _user_of(technician) -> int | None:
    return technician.user_id if technician is not None else None


def _watcher_ids(ticket: Ticket) -> set[int]:
    return set(
        TicketWatcher.objects.filter(ticket=ticket, user__isnull=False)
        .order_by()  # a set: no ORDER BY to compile or sort
        .values_list("user_id", flat=True)
    )


def _manager_ids() -> set[int]:
    return set(
        get_user_model()
        .objects.filter(groups__name__in=[MANAGER_GROUP, DEPUTY_GROUP])
        .values_list("pk", flat=True)
    )


def _technician_user(pk) -> int | None:
    from staff.models import Technician

    if not pk:
        return None
    return Technician.objects.filter(pk=pk).values_list("user_id", flat=True).first()


def _owners_or_dispatchers(ticket: Ticket) -> set[int]:
    """The ticket's assignee and resolver; on a ticket nobody owns yet, the manager and deputy,
    who dispatch it: what the client says is never told to no one."""
    owners = {_user_of(ticket.assignee), _user_of(ticket.resolver)} - {None}
    return owners or _manager_ids()


def event_kind(event: TicketEvent, ticket: Ticket) -> str | None:
    """The client kind of an event, or None when the client said nothing."""
    if not is_client_activity(event, ticket):
        return None
    if event.kind == EventKind.EMAIL_IN:
        return NoticeKind.CLIENT_EMAIL
    if event.kind == EventKind.REPORT:
        return NoticeKind.CLIENT_COMMENT
    if event.kind == EventKind.TRANSITION:
        if event.to_state == State.CLOSED:
            return NoticeKind.CLIENT_CONFIRMED
        if event.payload.get("action") == "reopen":
            return NoticeKind.CLIENT_REOPENED
    return None


def recipients_by_kind(event: TicketEvent) -> dict[str, set[int]]:
    """Who gets which kind of notice for one ticket event (before the own-action rule)."""
    ticket = event.ticket
    out: dict[str, set[int]] = {}
    client_kind = event_kind(event, ticket)
    if client_kind:
        out[client_kind] = _owners_or_dispatchers(ticket) | _watcher_ids(ticket)
    elif event.kind == EventKind.ASSIGNED:
        out[NoticeKind.ASSIGNED] = {_technician_user(event.payload.get("assignee"))}
    elif event.kind == EventKind.ESCALATION and event.payload.get("resolver"):
        out[NoticeKind.ESCALATED] = {_technician_user(event.payload["resolver"])}
    elif event.kind == EventKind.SLA_WARNING:
        out[NoticeKind.SLA_WARNING] = {_user_of(ticket.assignee)} | _manager_ids()
    elif event.kind == EventKind.CREATED and ticket.follow_up_of_id:
        out[NoticeKind.FOLLOW_UP] = _owners_or_dispatchers(ticket.follow_up_of)
    elif event.kind == EventKind.NOTE:
        names = {name.lower() for name in MENTION.findall(event.body)}
        if names:
            named = Q()
            for name in names:
                named |= Q(username__iexact=name)
            out[NoticeKind.MENTION] = set(
                get_user_model().objects.filter(named).values_list("pk", flat=True)
            )
    elif event.kind == EventKind.TRANSITION:
        out[NoticeKind.STATE_CHANGED] = _watcher_ids(ticket)
    return out


def event_params(event: TicketEvent, kind: str) -> dict:
    ticket = event.ticket
    params = {"reference": ticket.reference, "title": ticket.title}
    if event.actor_id and event.actor is not None:
        params["actor"] = event.actor.get_full_name() or event.actor.get_username()
    elif event.kind == EventKind.EMAIL_IN:
        params["actor"] = event.payload.get("from", "")
    if kind == NoticeKind.SLA_WARNING:
        params["threshold"] = int(event.payload.get("threshold") or 75)
    elif kind == NoticeKind.ESCALATED:
        params["level"] = event.payload.get("to")
    elif kind == NoticeKind.FOLLOW_UP:
        params["previous"] = ticket.follow_up_of.reference
    elif kind == NoticeKind.STATE_CHANGED:
        params["state"] = event.to_state
    if event.body and kind in (*CLIENT_KINDS, NoticeKind.MENTION, NoticeKind.FOLLOW_UP):
        params["excerpt"] = " ".join(event.body.split())[:200]
    return params


def derive_event(event_id: int) -> int:
    """Write the notices of one committed ticket event, once; returns how many were drafted."""
    try:
        # get(), not first(): no ORDER BY to compile (the model's ordering), one row anyway.
        event = TicketEvent.objects.select_related(
            "actor",
            "ticket__assignee",
            "ticket__resolver",
            "ticket__follow_up_of__assignee",
            "ticket__follow_up_of__resolver",
        ).get(pk=event_id)
    except TicketEvent.DoesNotExist:
        return 0
    drafts = event_drafts(event)  # reads only: before the transaction
    try:
        with transaction.atomic():
            # The mark is the once-only guard: a second run (or a concurrent worker, which
            # waits for this one's commit) fails on its primary key and its notices roll back
            # with it. A plain INSERT, not get_or_create: no SELECT, no savepoint, no UPDATE.
            DerivedEvent.objects.create(event=event, notices=len(drafts))
            notices_create(drafts=drafts, at=event.at)
    except IntegrityError:
        return 0
    return len(drafts)


def event_drafts(event: TicketEvent) -> list[Draft]:
    ticket = event.ticket
    wanted = recipients_by_kind(event)
    staff = _staff_ids(set().union(*wanted.values()) if wanted else set())
    drafts, told = [], set()
    # One notice per person and event: the most specific kind wins (a watcher who is also
    # mentioned gets the mention).
    for kind, user_ids in sorted(wanted.items(), key=lambda item: item[0] != NoticeKind.MENTION):
        for user_id in sorted((user_ids & staff) - {event.actor_id} - told):
            told.add(user_id)
            drafts.append(
                Draft(
                    recipient_id=user_id,
                    kind=kind,
                    source=f"event:{event.pk}",
                    url=ticket_url(ticket),
                    ticket_id=ticket.pk,
                    event_id=event.pk,
                    actor_id=event.actor_id,
                    params=event_params(event, kind),
                )
            )
    return drafts
