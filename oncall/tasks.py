"""Celery tasks: thin wrappers; the logic is in ``triggers`` and ``services.paging``.

Every task is safe to run twice or early: steps check that they are due and claim themselves
with a conditional update. In eager mode (no broker) a ``countdown`` is ignored and the task
runs at once, finds nothing due and returns; the beat sweeper then drives the timing.
"""

from __future__ import annotations

import logging

from celery import shared_task
from kombu.exceptions import OperationalError

from sla.policy import Urgency
from tickets.models import EventKind, TicketEvent

logger = logging.getLogger(__name__)

# Events that may start a page, or settle one (a transition: taken in charge, closed, ...).
WATCHED_KINDS = frozenset({EventKind.CREATED, EventKind.URGENCY, EventKind.TRANSITION})


def on_ticket_event(sender, event, **kwargs) -> None:
    """``event_committed`` receiver: process the event within the ``announce_event`` task that
    told us (no task of its own: one broker round trip less per event). A failure is logged by
    the sender (``notify_readers``) and the sweeper raises or settles the page in a minute."""
    if event.kind not in WATCHED_KINDS:
        return
    process_ticket_event(event)


def schedule_advance(page_id: int, countdown: float = 0) -> None:
    """Run the page's next step in ``countdown`` seconds (the sweeper is the safety net)."""
    try:
        advance_page.apply_async(args=[page_id], countdown=countdown)
    except OperationalError:
        logger.exception("on-call: could not schedule page %s; the sweeper will", page_id)


def schedule_message_retry(attempt_id: int, countdown: float) -> None:
    """Retry one page message after its backoff (a Celery retry, never a sleep in the worker).

    Eagerly run (no broker: development, tests) a countdown would retry at once, in a loop: the
    retry is left to the sweeper instead. The row is due again anyway: the sweeper is the
    safety net for a lost message too."""
    from django.conf import settings

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return
    try:
        deliver_page_message.apply_async(args=[attempt_id], countdown=max(countdown, 1))
    except OperationalError:
        logger.exception("on-call: could not schedule message %s; the sweeper will", attempt_id)


@shared_task(name="oncall.tasks.handle_ticket_event", ignore_result=True)
def handle_ticket_event(event_id: int) -> None:
    """No longer queued (the receiver processes the event inside ``announce_event``); kept
    registered so that messages queued before an upgrade are still consumed."""
    event = TicketEvent.objects.filter(pk=event_id).first()
    if event is not None:
        process_ticket_event(event)


def process_ticket_event(event: TicketEvent) -> None:
    """Raise a page for a critical ticket, or settle the ticket's page (safe to run twice)."""
    from .models import Page
    from .services.paging import sync_with_ticket
    from .triggers import page_raise_for_event

    lowered = event.kind == EventKind.URGENCY and event.payload.get("to") != Urgency.CRITICAL
    if event.kind == EventKind.TRANSITION or lowered:
        page = Page.objects.filter(ticket_id=event.ticket_id).first()
        if page is not None:
            from django.utils import timezone

            sync_with_ticket(page, now=timezone.now())
        return
    page_raise_for_event(event)


@shared_task(name="oncall.tasks.advance_page", ignore_result=True)
def advance_page(page_id: int) -> int:
    from .services.paging import page_advance

    return page_advance(page_id)


@shared_task(name="oncall.tasks.deliver_page_message", ignore_result=True)
def deliver_page_message(attempt_id: int) -> bool:
    from .services.paging import page_message_deliver

    return page_message_deliver(attempt_id)


@shared_task(name="oncall.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    """Every minute (beat): nothing due is ever left behind by a lost message or a restart."""
    from .services.paging import sweep as run_sweep

    return run_sweep()
