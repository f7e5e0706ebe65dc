"""Reads about major incidents for the back-office, the dispatch screen and the extranet.

Public entry points for other apps:
- ``active_banners_for_client(client)``: the extranet banners of a client (its home page).
- ``overdue_updates(now)``: open incidents whose promised next communication time has passed
  (the dispatch screen shows them red).
- ``published_reports_for_client(client)``: the post-incident reports a client may read.
- ``open_incidents(now)``: open incidents flagged ``overdue``, for a dispatch panel
  (``{% load incident_tags %}{% open_incidents_panel %}``).
- ``major_incident_of(ticket)``: the major incident a ticket is grouped under.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from clients.models import Client

from .models import IncidentMessage, MajorIncident, MessageKind, PostIncidentReport

# A resolved incident's banner stays (green) this long so clients see the resolution message.
RESOLVED_BANNER_DURATION = timedelta(hours=24)


@dataclass(frozen=True)
class Banner:
    """One incident banner: the incident and its latest published communication."""

    incident: MajorIncident
    message: IncidentMessage

    @property
    def resolved(self) -> bool:
        return self.message.kind == MessageKind.RESOLUTION


def active_banners_for_client(client: Client | None, now: datetime | None = None) -> list[Banner]:
    """Banners to show on a client's extranet: its open incidents already announced, and the
    ones resolved in the last 24 hours. Two queries; an unaffected client gets nothing."""
    if client is None:
        return []
    now = now or timezone.now()
    incidents = (
        MajorIncident.objects.filter(affected_clients=client, messages__isnull=False)
        .filter(
            Q(status=MajorIncident.Status.OPEN) | Q(resolved_at__gte=now - RESOLVED_BANNER_DURATION)
        )
        .distinct()
        .order_by("-started_at", "-pk")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=IncidentMessage.objects.order_by("-published_at", "-pk"),
                to_attr="latest_messages",
            )
        )
    )
    return [Banner(i, i.latest_messages[0]) for i in incidents if i.latest_messages]


def overdue_updates(now: datetime | None = None) -> QuerySet[MajorIncident]:
    """Open incidents whose "next update by" time has passed, the most overdue first."""
    now = now or timezone.now()
    return MajorIncident.objects.filter(
        status=MajorIncident.Status.OPEN, next_update_at__lt=now
    ).order_by("next_update_at", "pk")


def open_incidents(now: datetime | None = None) -> list[MajorIncident]:
    """Open incidents for the dispatch screen, each with ``overdue`` set (one query): the
    overdue ones first, then the most recent."""
    now = now or timezone.now()
    rows = list(
        MajorIncident.objects.filter(status=MajorIncident.Status.OPEN)
        .annotate(ticket_count=Count("ticket_links", distinct=True))
        .order_by("-started_at", "-pk")
    )
    for incident in rows:
        incident.overdue = incident.update_overdue(now)
    return sorted(rows, key=lambda i: not i.overdue)


def major_incident_of(ticket) -> MajorIncident | None:
    """The major incident a ticket is grouped under, if any (for the ticket page)."""
    return MajorIncident.objects.filter(ticket_links__ticket=ticket).first()


def incident_list() -> QuerySet[MajorIncident]:
    """The back-office list: open first, with counts (one query)."""
    return (
        MajorIncident.objects.annotate(
            ticket_count=Count("ticket_links", distinct=True),
            client_count=Count("affected_clients", distinct=True),
            message_count=Count("messages", distinct=True),
        )
        .select_related("pir")
        .order_by("status", "-started_at", "-pk")  # "open" sorts before "resolved"
    )


def published_reports_for_client(client: Client) -> QuerySet[PostIncidentReport]:
    """Published post-incident reports of the incidents that affected this client."""
    return (
        PostIncidentReport.objects.filter(published=True, incident__affected_clients=client)
        .select_related("incident")
        .order_by("-incident__started_at", "-pk")
    )


def incident_for_client(client: Client, pk: int) -> MajorIncident | None:
    """The incident if it affected this client, else None (the caller answers 404)."""
    return MajorIncident.objects.filter(pk=pk, affected_clients=client).first()
