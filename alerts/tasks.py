"""Celery tasks of the alert intake: retention of the rejected-alerts log."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from oceanis.db import delete_in_batches

from .models import RejectedAlert

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
