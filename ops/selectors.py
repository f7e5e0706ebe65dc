"""Reads behind ``/metrics``: outboxes, GTI watch, heartbeat. A few aggregate queries each,
whatever the size of the tables, as Prometheus scrapes every 15 to 60 seconds."""

from __future__ import annotations

from datetime import datetime

from django.apps import apps
from django.db.models import Count, Min, Q

from oceanis.delivery import REGISTRY, DeliveryRow, stats
from tickets.models import OPEN_STATES, Ticket
from tickets.selectors import at_risk_q, breached_q

from .models import Heartbeat

# Outboxes not yet on oceanis.delivery, read by their own status field: (channel, model,
# status field, field dating a pending row). Only used for a channel absent from REGISTRY.
_LEGACY_OUTBOXES = (
    ("mail", "notifications.Notification", "status", "created_at"),
    ("webhook", "api.WebhookDelivery", "status", "created_at"),
    ("incident_mail", "incidents.IncidentMessageDelivery", "status", "next_attempt_at"),
    ("page", "oncall.PageAttempt", "outcome", "at"),
)


def outbox_stats(*, now: datetime) -> dict[str, dict]:
    """Depth and age of every outbox, by channel: ``oceanis.delivery.stats`` of each registered
    outbox, and the same figures read from the status field of the ones not moved yet (the
    second loop goes once every outbox registers itself)."""
    result = {channel: stats(model, now=now) for channel, (model, _policy) in REGISTRY.items()}
    registered = {model for model, _policy in REGISTRY.values()}
    for channel, label, status_field, dated_by in _LEGACY_OUTBOXES:
        if channel in result:
            continue
        try:
            model = apps.get_model(label)
        except LookupError:  # replaced by a registered outbox under another name
            continue
        if model in registered:
            continue
        if issubclass(model, DeliveryRow):
            result[channel] = stats(model, now=now)
            continue
        rows = model._default_manager.order_by()
        figures = rows.aggregate(
            pending=Count("pk", filter=Q(**{status_field: "pending"})),
            sending=Count("pk", filter=Q(**{status_field: "sending"})),
            failed=Count("pk", filter=Q(**{status_field: "failed"})),
            oldest=Min(dated_by, filter=Q(**{status_field: "pending"})),
        )
        oldest = figures.pop("oldest")
        figures["oldest_pending_age_seconds"] = (
            max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
        )
        result[channel] = figures
    return result


def gti_watch(*, now: datetime) -> dict[str, int]:
    """Open tickets whose GTI is at risk and whose GTI is breached, by the definitions every
    queue, report and the extranet use (``tickets.selectors``)."""
    return Ticket.objects.filter(state__in=OPEN_STATES).aggregate(
        at_risk=Count("pk", filter=at_risk_q(now)),
        breached=Count("pk", filter=breached_q(now)),
    )


def heartbeat_age_seconds(*, name: str, now: datetime) -> float:
    """Seconds since the heartbeat ``name`` was last written; infinite when it never was, so an
    alert on "age > 3 minutes" also fires on a fresh install whose worker never ran."""
    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    return max((now - at).total_seconds(), 0.0) if at else float("inf")
