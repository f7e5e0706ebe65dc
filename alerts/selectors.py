"""Reads of the event console: the rows, their states and the counters above them."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q, QuerySet

from .models import Event, Silence


class ConsoleState:
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    SILENCED = "silenced"
    RESOLVED = "resolved"


def state_q(state: str, now: datetime) -> Q:
    """One definition per state, for the filter and the counters: an open event is silenced
    while a silence holds it, else acknowledged once someone took note, else firing."""
    open_ = Q(resolved_at__isnull=True)
    silenced = Q(silenced_until__gt=now)
    if state == ConsoleState.RESOLVED:
        return Q(resolved_at__isnull=False)
    if state == ConsoleState.SILENCED:
        return open_ & silenced
    acknowledged = Q(acknowledged_at__isnull=False)
    if state == ConsoleState.ACKNOWLEDGED:
        return open_ & ~silenced & acknowledged
    return open_ & ~silenced & ~acknowledged


def console_events() -> QuerySet[Event]:
    """Every event, newest activity first (the filters narrow it)."""
    return Event.objects.order_by("-last_seen", "-pk")


def console_rows() -> QuerySet[Event]:
    """What a console row shows, in one query: client, ticket, who acknowledged, incident."""
    return Event.objects.select_related(
        "client", "ticket", "acknowledged_by", "major_incident_link__incident"
    ).defer("labels", "description")


def console_counters(now: datetime) -> dict[str, int]:
    """Open events per state, in one aggregate."""
    return Event.objects.filter(resolved_at__isnull=True).aggregate(
        **{
            state: Count("pk", filter=state_q(state, now))
            for state in (ConsoleState.FIRING, ConsoleState.ACKNOWLEDGED, ConsoleState.SILENCED)
        }
    )


def event_silences(event: Event, now: datetime) -> list[Silence]:
    """The silences of the event's client that cover it and have not ended."""
    rows = Silence.objects.filter(
        client_id=event.client_id, ends_at__gt=now, ended_at__isnull=True
    ).select_related("change", "created_by")
    return [s for s in rows if s.covers(event.client_id, event.host, event.fingerprint)]
