"""Celery tasks: deliver a communication right after it is published, and sweep for retries."""

from __future__ import annotations

from celery import shared_task

from .delivery import deliver_due


@shared_task(name="incidents.tasks.deliver_incident_message", ignore_result=True)
def deliver_incident_message(message_id: int) -> int:
    """Send the emails of one freshly published communication (the fast path after commit)."""
    return deliver_due(message_id=message_id)


@shared_task(name="incidents.tasks.sweep_incident_deliveries", ignore_result=True)
def sweep_incident_deliveries() -> int:
    """Every minute: whatever is due — never attempted (lost message), retry due after its
    backoff, or claimed by a worker whose lease expired."""
    return deliver_due()
