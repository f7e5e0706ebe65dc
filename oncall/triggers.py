"""When a ticket event must page the on-call technician.

Out of hours comes from the SLA engine's calendars: the on-call window of a ticket is every
instant outside the hours the desk covers for its frozen hours plan. For a 24x7 contract that is
outside Oceanis standard hours (the desk covers those; the on-call service covers the rest).
Oceanis' own Datacenter alarms (the internal client, ``OCEANIS_INTERNAL_CLIENT_CODE``) page out
of Oceanis hours whatever the contract.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from sla.policy import HoursPlan, Urgency, calendar_for, coverage_for
from tickets.models import OPEN_STATES, EventKind, Ticket, TicketEvent

from .coverage import in_coverage_window, paging_urgencies_anywhere
from .models import Page, PageLevel, PageReason, PageState, PageTrigger
from .selectors import on_call_at

logger = logging.getLogger(__name__)

INTERVENTION_COMMITMENT = timedelta(hours=1)
# How far back the sweeper looks for trigger events a lost broker message may have dropped.
TRIGGER_LOOKBACK = timedelta(hours=24)
TRIGGER_KINDS = (EventKind.CREATED, EventKind.URGENCY)


def oceanis_open(at: datetime) -> bool:
    """Oceanis standard business hours (the service desk is staffed)."""
    return calendar_for(HoursPlan.STANDARD).is_open(at)


def in_on_call_window(hours_plan: str | None, at: datetime) -> bool:
    """True when ``at`` lies outside the hours the desk covers for a contract on this plan."""
    plan = hours_plan or HoursPlan.STANDARD
    covered = HoursPlan.STANDARD if plan == HoursPlan.ON_CALL else plan
    return not calendar_for(covered).is_open(at)


def is_internal(ticket: Ticket) -> bool:
    return ticket.client.code == settings.OCEANIS_INTERNAL_CLIENT_CODE


def page_reason(ticket: Ticket, at: datetime) -> PageReason | None:
    """Why this ticket pages at ``at``, or None when it does not.

    A contract with an on-call plan pages for the plan's urgencies, out of its subscribed hours
    but inside the plan's windows; otherwise only critical tickets page (24x7 contracts out of
    Oceanis hours, Oceanis' own alarms). A cancelled or closed ticket never pages."""
    if ticket.state not in OPEN_STATES:
        return None
    coverage = coverage_for(ticket.contract_id)
    if coverage is not None and not is_internal(ticket):
        if ticket.urgency in coverage.urgencies and in_coverage_window(
            contract_id=ticket.contract_id, hours_plan=ticket.contract_hours_plan, at=at
        ):
            return PageReason.COVERAGE
        return None
    if ticket.urgency != Urgency.CRITICAL:
        return None
    if is_internal(ticket):
        return None if oceanis_open(at) else PageReason.INTERNAL
    if ticket.contract_hours_plan == HoursPlan.ON_CALL and in_on_call_window(
        ticket.contract_hours_plan, at
    ):
        return PageReason.CONTRACT
    return None


def event_trigger(event: TicketEvent) -> PageTrigger | None:
    """A ticket created, or its urgency raised, with an urgency that may page: critical, or
    one some contract's on-call plan pages for (``page_reason`` decides for this ticket)."""
    may_page = {Urgency.CRITICAL, *paging_urgencies_anywhere()}
    if event.kind == EventKind.CREATED and event.payload.get("urgency") in may_page:
        return PageTrigger.CREATED
    if event.kind == EventKind.URGENCY and event.payload.get("to") in may_page:
        return PageTrigger.URGENCY
    return None


def page_raise_for_event(event: TicketEvent) -> Page | None:
    """Raise the ticket's page if this event calls for one; idempotent (one page per ticket).

    Returns the new page, or None (no page due, or the ticket already has one). A ticket
    already taken in charge, or closed, does not page: someone is on it.
    """
    trigger = event_trigger(event)
    if trigger is None:
        return None
    ticket = Ticket.objects.select_related("client").get(pk=event.ticket_id)
    if ticket.state not in OPEN_STATES or ticket.taken_in_charge_at is not None:
        return None
    reason = page_reason(ticket, event.at)
    if reason is None:
        return None
    if trigger == PageTrigger.URGENCY and _reopen(ticket, reason=reason, event=event):
        return Page.objects.get(ticket=ticket)
    if Page.objects.filter(ticket=ticket).exists():
        return None
    return _raise(ticket, trigger=trigger, reason=reason, event=event, at=event.at)


def _reopen(ticket: Ticket, *, reason, event: TicketEvent) -> bool:
    """Raised to critical again after a downgrade cancelled its page: the same page (one per
    ticket) starts its chain over. A conditional update: one worker wins a redelivery race."""
    reopened = Page.objects.filter(
        ticket=ticket, state=PageState.CANCELLED, acknowledged_at__isnull=True
    ).update(
        state=PageState.OPEN,
        level=PageLevel.PRIMARY,
        step=0,
        intervention_met=None,
        **_chain_start(trigger=PageTrigger.URGENCY, reason=reason, event=event, at=event.at),
    )
    if reopened:
        page_id = Page.objects.filter(ticket=ticket).values_list("pk", flat=True).get()
        logger.info("page %s re-opened for %s (urgency critical again)", page_id, ticket.reference)
        from .tasks import schedule_advance

        transaction.on_commit(lambda: schedule_advance(page_id))
    return bool(reopened)


def _chain_start(*, trigger, reason, event: TicketEvent | None, at: datetime) -> dict:
    """What a page starts (or starts over) with: the people on call at ``at``, frozen (a handover
    during the incident keeps chasing them), its first message due at once, the 1-hour
    intervention deadline."""
    on_call = on_call_at(at)
    return {
        "trigger": trigger,
        "reason": reason,
        "event": event,
        "rotation": on_call.rotation if on_call else None,
        "target": on_call.primary if on_call else None,
        "backup": on_call.backup if on_call else None,
        "escalation_contact": on_call.escalation_contact if on_call else None,
        "raised_at": at,
        "next_step_at": at,
        "intervention_deadline": at + INTERVENTION_COMMITMENT,
    }


def _raise(ticket: Ticket, *, trigger, reason, event: TicketEvent | None, at: datetime):
    """Create the ticket's page (frozen on-call people, 1-hour deadline) and start its chain."""
    try:
        with transaction.atomic():
            page = Page.objects.create(
                ticket=ticket, **_chain_start(trigger=trigger, reason=reason, event=event, at=at)
            )
    except IntegrityError:  # a concurrent worker raised it first: the unique ticket wins
        return None
    logger.info("page %s raised for %s (%s, %s)", page.pk, ticket.reference, trigger, reason)
    from .tasks import schedule_advance

    transaction.on_commit(lambda: schedule_advance(page.pk))
    return page


def raise_pages_at_desk_closing(*, now: datetime) -> int:
    """Sweeper: a critical ticket nobody took in charge while the desk was open pages once the
    desk closes (18:00, the lunch break, a public holiday), as if it had arrived then.

    Without this, a critical ticket of a 24x7 client opened at 17:45 and still waiting at 18:00
    would wait for the next morning: its creation was in office hours, so it never paged.
    """
    candidates = (
        Ticket.objects.filter(
            state__in=OPEN_STATES,
            taken_in_charge_at__isnull=True,
            oncall_page__isnull=True,
            created_at__lte=now,
        )
        .filter(
            Q(
                Q(contract_hours_plan=HoursPlan.ON_CALL)
                | Q(client__code=settings.OCEANIS_INTERNAL_CLIENT_CODE),
                urgency=Urgency.CRITICAL,
            )
            # An on-call plan's window opening (18:00 on weekdays…) counts as a desk closing.
            | Q(
                contract__oncall_coverage__isnull=False,
                urgency__in=paging_urgencies_anywhere(),
            )
        )
        .select_related("client")
    )
    raised = 0
    for ticket in candidates:
        reason = page_reason(ticket, now)
        if reason is None:
            continue
        trigger_event = (
            TicketEvent.objects.filter(
                ticket=ticket, kind__in=[EventKind.CREATED, EventKind.URGENCY]
            )
            .order_by("-at", "-pk")
            .first()
        )
        page = _raise(
            ticket, trigger=PageTrigger.DESK_CLOSED, reason=reason, event=trigger_event, at=now
        )
        raised += page is not None
    return raised


def raise_missed_pages(*, now: datetime) -> int:
    """Sweeper: raise the pages whose trigger event was never processed (lost message)."""
    candidates = (
        TicketEvent.objects.filter(
            kind__in=[EventKind.CREATED, EventKind.URGENCY],
            at__gte=now - TRIGGER_LOOKBACK,
            at__lte=now,
            ticket__urgency__in={Urgency.CRITICAL, *paging_urgencies_anywhere()},
            ticket__state__in=OPEN_STATES,
            ticket__taken_in_charge_at__isnull=True,
            ticket__oncall_page__isnull=True,
        )
        .only("pk", "ticket_id", "kind", "at", "payload")
        .order_by("at", "pk")
    )
    return sum(1 for event in candidates if page_raise_for_event(event) is not None)
