"""Periodic ticket jobs (Celery beat)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .sla_warnings import record_due_sla_warnings


@shared_task(name="tickets.tasks.record_breach_warnings", ignore_result=True)
def record_breach_warnings() -> int:
    """Every minute: log the 75 % and 100 % GTI thresholds crossed since the last run."""
    return record_due_sla_warnings(now=timezone.now())
