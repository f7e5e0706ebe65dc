"""Celery tasks of the webhooks: fan-out per ticket event, one attempt per delivery, a sweeper."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from oceanis.db import delete_in_batches

from . import webhooks
from .models import WebhookDelivery


@shared_task(acks_late=True)
def webhooks_fan_out(event_id: int) -> int:
    """Create the event's delivery rows and send each (idempotent: safe to run twice)."""
    ids = webhooks.fan_out(event_id)
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id)
    return len(ids)


@shared_task(acks_late=True)
def webhook_deliver(delivery_id: int) -> str:
    """One attempt; on failure re-enqueue itself after the backoff delay.

    Eagerly run (no broker: development, tests) a countdown would retry at once in the request
    thread, so the retry is left to the sweeper instead.
    """
    delivery = webhooks.attempt(delivery_id)
    if delivery is None:
        return "not-due"
    if delivery.status == delivery.Status.PENDING and not settings.CELERY_TASK_ALWAYS_EAGER:
        delay = max((delivery.next_attempt_at - timezone.now()).total_seconds(), 1)
        webhook_deliver.apply_async((delivery_id,), countdown=delay)
    return delivery.status


@shared_task
def webhooks_sweep() -> dict:
    """Every minute: deliveries due (lost or eager retries) and events a lost fan-out missed."""
    events = webhooks.recent_events(timezone.now() - timedelta(minutes=15))
    for event_id in events:
        webhooks_fan_out.delay(event_id)
    due = webhooks.due_deliveries()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id)
    return {"events": len(events), "deliveries": len(due)}


def prune_deliveries(*, now=None) -> int:
    """Delete settled deliveries (sent, or failed for good) older than
    ``WEBHOOK_DELIVERY_RETENTION_DAYS``; pending ones stay whatever their age."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_DELIVERY_RETENTION_DAYS)
    settled = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(
        status=WebhookDelivery.Status.PENDING
    )
    return delete_in_batches(settled)


@shared_task(ignore_result=True)
def webhooks_prune_deliveries() -> int:
    """Daily (beat): the retention of the webhook delivery log."""
    return prune_deliveries()
