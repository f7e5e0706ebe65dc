"""Celery tasks: thin wrappers around ``services.outbox`` and ``digest``; the database is the
source of truth, so a lost or duplicated task message only delays or does nothing."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from oceanis import delivery

from . import digest
from .inbound import service as inbound
from .models import Notification
from .services import outbox

logger = logging.getLogger(__name__)


def plan_and_schedule(event_id: int) -> int:
    """Derive the delivery rows of a committed event and schedule their delivery."""
    planned = outbox.plan_event(event_id)
    if planned is None:
        return 0
    schedule(planned.pairs, eta=planned.due_at)
    return len(planned.pairs)


@shared_task(acks_late=True)
def plan_event(event_id: int) -> int:
    """No longer queued (the receiver plans inside ``announce_event``); kept registered so that
    messages queued before an upgrade are still consumed."""
    return plan_and_schedule(event_id)


@shared_task(acks_late=True)
def deliver(ticket_id: int, recipient: str) -> int:
    """Send what is due for one (ticket, recipient). A failure leaves the rows pending with a
    backoff: the minute sweeper sends them when due (no broker message kept waiting)."""
    return outbox.deliver(ticket_id, recipient).sent


@shared_task
def sweep_outbox() -> dict:
    """Every minute: re-plan lost events and missed digests, re-queue due rows and rows left
    "sending" past their lease (sent again with the same Message-ID)."""
    report = outbox.sweep()
    schedule(report.pairs)
    return {"planned": report.planned_events, "stuck": report.stuck, "due": len(report.pairs)}


@shared_task
def send_daily_digests(day: str | None = None) -> int:
    """17:00 Paris: one follow-up mail per ticket with public activity, per recipient (the
    sweeper plans the day instead if this run is lost)."""
    target = dt.date.fromisoformat(day) if day else digest.digest_day()
    pairs = digest.plan_day(target)
    schedule(pairs)
    return len(pairs)


@shared_task
def purge_outbox() -> int:
    """Daily: delete sent, failed and skipped mails older than NOTIFICATIONS_RETENTION_DAYS."""
    return delivery.purge(Notification, policy=outbox.policy(), now=timezone.now())


def schedule(pairs, eta: dt.datetime | None = None) -> None:
    """Queue one delivery per pair. A broker failure is logged, not raised: the rows are in the
    database and the sweeper re-queues them."""
    now = timezone.now()
    for ticket_id, recipient in pairs:
        try:
            if eta is not None and eta > now:
                deliver.apply_async((ticket_id, recipient), eta=eta)
            else:
                deliver.delay(ticket_id, recipient)
        except Exception:
            logger.exception("Could not queue notification delivery %s/%s", ticket_id, recipient)


@shared_task
def sweep_inbound() -> int:
    """Every minute: process inbound mail stored but never processed, or interrupted past its
    lease (worker killed mid-processing)."""
    return inbound.process_pending()
