"""Celery tasks of the alert intake: retention of the rejected-alerts log, end of silences."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from oceanis.db import delete_in_batches

from . import silences
from .models import Event, RejectedAlert

PRUNE_BATCH = 5_000


def prune_rejected_alerts(*, now=None) -> int:
    """Delete rejected alerts older than ``ALERTS_REJECTED_RETENTION_DAYS``; returns how many.

    The log keeps whole payloads (up to 1 MB each): a misconfigured sender repeating the same
    bad payload every minute would otherwise grow it without end.
    """
    cutoff = (now or timezone.now()) - timedelta(days=settings.ALERTS_REJECTED_RETENTION_DAYS)
    return delete_in_batches(RejectedAlert.objects.filter(received_at__lt=cutoff), PRUNE_BATCH)


@shared_task(ignore_result=True)
def prune_rejected_alerts_task() -> int:
    """Daily (beat): the retention of the rejected-alerts log."""
    return prune_rejected_alerts()


RELEASE_BATCH = 500


def release_silenced_events(*, now=None, by=None) -> int:
    """Events a silence held whose window has passed: escalate those that still need it (open
    the ticket, page), unless another running silence holds them. Returns how many were looked
    at. Runs every minute; the held escalation therefore follows the window's end within it."""
    # Imported here: the intake module imports this app's models at start-up.
    from .services import _escalate, _needs_attention, out_of_hours

    now = now or timezone.now()
    due = list(
        Event.objects.filter(resolved_at__isnull=True, silenced_until__lte=now)
        .order_by("silenced_until", "pk")
        .only(
            "pk",
            "client_id",
            "host",
            "fingerprint",
            "severity_rank",
            "ticket_id",
            "ticket_severity_rank",
            "needs_oncall_page",
        )[:RELEASE_BATCH]
    )
    running = silences.active_silences({e.client_id for e in due}, now)
    late = out_of_hours(now)
    for event in due:
        until = silences.held_until(running, event.client_id, event.host, event.fingerprint)
        Event.objects.filter(pk=event.pk).update(silenced_until=until)
        row = {
            "severity_rank": event.severity_rank,
            "ticket_id": event.ticket_id,
            "ticket_severity_rank": event.ticket_severity_rank,
            "needs_oncall_page": event.needs_oncall_page,
        }
        if until is None and _needs_attention(row, late):
            _escalate(event.pk, by=by, now=now)
    return len(due)


@shared_task(ignore_result=True)
def release_silenced_events_task() -> int:
    """Every minute (beat): escalations held by a silence that has ended."""
    return release_silenced_events()
