"""Celery tasks of the webhooks: a fast first attempt after the event, Celery retries, a sweeper.

The rows are the truth (written with the ticket event): every task here only hurries them
along, and the every-minute sweeper sends whatever a lost message or a dead worker left due.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from oceanis import delivery as outbox

from .models import WebhookDelivery
from .services import webhooks


def fan_out(event_id: int) -> int:
    """After the event's commit: queue an attempt of each of its deliveries now (idempotent:
    safe to run twice)."""
    ids = webhooks.fan_out(event_id)
    for delivery_id in ids:
        webhook_deliver.delay(delivery_id)
    return len(ids)


@shared_task(acks_late=True)
def webhooks_fan_out(event_id: int) -> int:
    """No longer queued (the receiver fans out inside ``announce_event``); kept registered so
    that messages queued before an upgrade are still consumed."""
    return fan_out(event_id)


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
    """Every minute: every delivery due (never attempted, retry due, or lease expired)."""
    return webhooks.sweep()


def prune_deliveries(*, now=None) -> int:
    """Delete settled deliveries (sent, or failed for good) older than
    ``WEBHOOK_DELIVERY_RETENTION_DAYS``; pending ones stay whatever their age."""
    return outbox.purge(WebhookDelivery, policy=webhooks.policy(), now=now or timezone.now())


@shared_task(ignore_result=True)
def webhooks_prune_deliveries() -> int:
    """Daily (beat): the retention of the webhook delivery log."""
    return prune_deliveries()
