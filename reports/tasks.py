"""Celery tasks: the monthly reports on the 1st at 06:00 (Paris), and one report on demand."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from clients.models import Client

from .periods import Period
from .selectors.monthly import clients_to_report
from .services import client_report_generate


@shared_task(name="reports.tasks.generate_monthly_reports")
def generate_monthly_reports(year: int | None = None, month: int | None = None) -> int:
    """Fan out one task per client for the given month (default: the previous one)."""
    period = Period.month(year, month) if year and month else Period.previous_month()
    client_ids = list(clients_to_report(period).values_list("pk", flat=True))
    for client_id in client_ids:
        generate_client_report.delay(client_id, period.start.isoformat(), period.end.isoformat())
    return len(client_ids)


@shared_task(
    name="reports.tasks.generate_client_report",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def generate_client_report(
    client_id: int, start: str, end: str, user_id: int | None = None
) -> int | None:
    """Generate (or regenerate) one client's report; idempotent per client and period."""
    from datetime import date

    client = Client.objects.filter(pk=client_id).first()
    if client is None:  # deleted since the task was queued
        return None
    by = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    period = Period(date.fromisoformat(start), date.fromisoformat(end))
    return client_report_generate(client=client, period=period, by=by, now=timezone.now()).pk
