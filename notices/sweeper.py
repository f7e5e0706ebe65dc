"""Catching up on derivations a lost broker message (or a crash) missed.

Ticket events carry a ``DerivedEvent`` mark once derived: the sweeper derives the unmarked ones
of the look-back window (``NOTICES_SWEEP_LOOKBACK_HOURS``, default 48 h: a weekend-long broker
outage is caught; older events are history and notify nobody). On-call pages and major incident
changes have no mark: those of the window are derived again, which only adds missing notices.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from incidents.models import IncidentMessage, IncidentTicket, MajorIncident
from oncall.models import PageAttempt
from tickets.models import TicketEvent

from .derivation import derive_event
from .models import DerivedEvent
from .sources import derive_incident, derive_incident_message, derive_page

BATCH = 500


def lookback() -> timedelta:
    return timedelta(hours=settings.NOTICES_SWEEP_LOOKBACK_HOURS)


def sweep(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    since = now - lookback()
    events = (
        TicketEvent.objects.filter(at__gte=since)
        .exclude(Exists(DerivedEvent.objects.filter(event=OuterRef("pk"))))
        .order_by("at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    derived = 0
    for event_id in list(events):
        derive_event(event_id)
        derived += 1
    pages = set(
        PageAttempt.objects.filter(at__gte=since, technician__isnull=False).values_list(
            "page_id", flat=True
        )
    )
    for page_id in pages:
        derive_page(page_id)
    incidents = set(
        MajorIncident.objects.filter(created_at__gte=since).values_list("pk", flat=True)
    ) | set(
        IncidentTicket.objects.filter(linked_at__gte=since).values_list("incident_id", flat=True)
    )
    for incident_id in incidents:
        derive_incident(incident_id)
    messages = IncidentMessage.objects.filter(published_at__gte=since).values_list("pk", flat=True)
    for message_id in list(messages):
        derive_incident_message(message_id)
    return {"events": derived, "pages": len(pages), "incidents": len(incidents)}
