"""Periodic ticket jobs (Celery beat)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import TicketEvent
from .services.base import notify_readers
from .sla_warnings import record_due_sla_warnings


@shared_task(name="tickets.tasks.announce_event", ignore_result=True)
def announce_event(event_id: int) -> None:
    """Tell the readers (notifications, notices, webhooks, on-call) that a ticket event is
    committed. They do their work here, one after the other, rather than each in a task of its
    own (one Celery message per event instead of five); what must wait or may be slow (a mail
    after its grouping window, a webhook's HTTP call, a page's next step) is still queued."""
    event = TicketEvent.objects.select_related("ticket").filter(pk=event_id).first()
    if event is not None:
        notify_readers(event)


@shared_task(name="tickets.tasks.record_breach_warnings", ignore_result=True)
def record_breach_warnings() -> int:
    """Every minute: log the 75 % and 100 % GTI thresholds crossed since the last run."""
    return record_due_sla_warnings(now=timezone.now())


@shared_task(name="tickets.tasks.close_resolved_tickets", ignore_result=True)
def close_resolved_tickets() -> dict:
    """Every 15 minutes: closure reminders and automatic closures of resolved tickets."""
    from .autoclose import sweep_resolved_tickets

    result = sweep_resolved_tickets(now=timezone.now())
    return {"reminded": result.reminded, "closed": result.closed}
