"""Reads of portfolios: whose clients, the portfolio cards, the committees a contact may read.

``portfolio_cards`` answers for any number of clients in a fixed number of queries (one per
kind of figure, grouped by client): the page's cost does not grow with the portfolio.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from changes.models import ChangeRequest
from clients.models import Client
from incidents.models import MajorIncident
from reports.models import ClientReport
from satisfaction.models import LOW_SCORE, Rating
from satisfaction.selectors import SatisfactionLine
from satisfaction.selectors import per_client as satisfaction_per_client
from staff import policy
from staff.models import SERVICE_MANAGER_GROUP
from tickets.models import Ticket
from tickets.selectors import breached_q, gti_met_q

from .models import Assignment, CommitteeAction, SteeringCommittee

GTI_DAYS = 30
SATISFACTION_DAYS = 90
CHANGE_DAYS = 30  # changes whose window opens within this many days
REPORT_LIMIT = 3
COMMITTEE_LIMIT = 3
LOW_RATING_LIMIT = 3
# What "upcoming or ongoing" means for a change: approved or scheduled, window not over.
UPCOMING_CHANGE_STATES = (ChangeRequest.State.APPROVED, ChangeRequest.State.SCHEDULED)


def managed_q(user) -> Q:
    """Clients whose service manager or backup is ``user``."""
    return Q(portfolio__service_manager=user) | Q(portfolio__backup=user)


def visible_clients(user) -> QuerySet[Client]:
    """The clients whose cards ``user`` sees: every active client for the managers, the
    portfolio for a service manager, none for anybody else."""
    clients = Client.objects.filter(is_active=True).select_related(
        "portfolio__service_manager", "portfolio__backup"
    )
    if policy.is_manager_role(user):
        return clients.order_by("name")
    if policy.is_service_manager(user):
        return clients.filter(managed_q(user)).order_by("name")
    return clients.none()


def service_managers():
    """Active staff of the service managers' group (assignment choices)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=SERVICE_MANAGER_GROUP)
        .order_by("first_name", "last_name", "username")
    )


def service_manager_ids(client_id: int | None) -> set[int]:
    """User ids of the client's service manager and backup (active accounts only)."""
    if client_id is None:
        return set()
    row = (
        Assignment.objects.filter(client_id=client_id)
        .values_list(
            "service_manager_id", "service_manager__is_active", "backup_id", "backup__is_active"
        )
        .first()
    )
    if row is None:
        return set()
    manager_id, manager_active, backup_id, backup_active = row
    ids = {manager_id} if manager_active else set()
    if backup_id and backup_active:
        ids.add(backup_id)
    return ids


@dataclass
class Card:
    client: Client
    gti_met: int = 0
    gti_breached: int = 0
    satisfaction: SatisfactionLine[int] | None = None
    low_ratings: list[Rating] = field(default_factory=list)
    incidents: list[MajorIncident] = field(default_factory=list)
    changes: list[ChangeRequest] = field(default_factory=list)
    reports: list[ClientReport] = field(default_factory=list)
    committees: list[SteeringCommittee] = field(default_factory=list)

    @property
    def gti_measured(self) -> int:
        return self.gti_met + self.gti_breached

    @property
    def gti_rate(self) -> float | None:
        return self.gti_met / self.gti_measured if self.gti_measured else None

    @property
    def gti_percent(self) -> float | None:
        rate = self.gti_rate
        return None if rate is None else rate * 100

    @property
    def assignment(self) -> Assignment | None:
        try:
            return self.client.portfolio
        except Assignment.DoesNotExist:
            return None


def portfolio_cards(clients: QuerySet[Client], now: dt.datetime | None = None) -> list[Card]:
    """One card per client: GTI compliance over 30 days, satisfaction over 90 days and its
    recent low scores, open major incidents, upcoming or ongoing changes, latest monthly
    reports, latest committees. Eight queries whatever the number of clients."""
    now = now or timezone.now()
    cards = {client.pk: Card(client) for client in clients}
    ids = list(cards)
    if not ids:
        return []
    gti_rows = (
        Ticket.objects.filter(client_id__in=ids, created_at__gte=now - dt.timedelta(GTI_DAYS))
        .order_by()
        .values("client_id")
        .annotate(met=Count("pk", filter=gti_met_q()), breached=Count("pk", filter=breached_q(now)))
    )
    for row in gti_rows:
        cards[row["client_id"]].gti_met = row["met"]
        cards[row["client_id"]].gti_breached = row["breached"]

    since = now - dt.timedelta(SATISFACTION_DAYS)
    for client_id, line in satisfaction_per_client(ids, since, now).items():
        cards[client_id].satisfaction = line
    low = (
        Rating.objects.filter(
            client_id__in=ids, closed_at__gte=since, closed_at__lt=now, score__lte=LOW_SCORE
        )
        .select_related("ticket")
        .order_by("-closed_at")
    )
    for rating in low:
        card = cards[rating.client_id]
        if len(card.low_ratings) < LOW_RATING_LIMIT:
            card.low_ratings.append(rating)

    incident_links = (
        MajorIncident.affected_clients.through.objects.filter(
            client_id__in=ids, majorincident__status=MajorIncident.Status.OPEN
        )
        .select_related("majorincident")
        .order_by("-majorincident__started_at")
    )
    for link in incident_links:
        cards[link.client_id].incidents.append(link.majorincident)

    change_links = (
        ChangeRequest.affected_clients.through.objects.filter(
            client_id__in=ids,
            changerequest__state__in=UPCOMING_CHANGE_STATES,
            changerequest__planned_end__gt=now,
            changerequest__planned_start__lt=now + dt.timedelta(CHANGE_DAYS),
        )
        .select_related("changerequest")
        .order_by("changerequest__planned_start")
    )
    for link in change_links:
        cards[link.client_id].changes.append(link.changerequest)

    reports = ClientReport.objects.filter(
        client_id__in=ids, period_start__gte=(now - dt.timedelta(days=200)).date()
    ).order_by("-period_start")
    for report in reports:
        card = cards[report.client_id]
        if len(card.reports) < REPORT_LIMIT:
            card.reports.append(report)

    committees = (
        SteeringCommittee.objects.filter(
            client_id__in=ids, held_on__gte=(now - dt.timedelta(days=400)).date()
        )
        .annotate(open_actions=Count("actions", filter=Q(actions__done=False)))
        .order_by("-held_on", "-pk")
    )
    for committee in committees:
        card = cards[committee.client_id]
        if len(card.committees) < COMMITTEE_LIMIT:
            card.committees.append(committee)
    return list(cards.values())


def committees_of(client: Client) -> QuerySet[SteeringCommittee]:
    """A client's committees, latest first, with their open and total action counts."""
    return (
        SteeringCommittee.objects.filter(client=client)
        .annotate(
            action_count=Count("actions"),
            open_actions=Count("actions", filter=Q(actions__done=False)),
        )
        .order_by("-held_on", "-pk")
    )


def committee_detail(pk: int, client: Client | None = None) -> SteeringCommittee | None:
    """One committee with attendees and actions prefetched; None when it does not exist or
    belongs to another client than ``client`` (the extranet answers 404)."""
    qs = SteeringCommittee.objects.select_related("client", "created_by").prefetch_related(
        "staff_attendees",
        "contact_attendees",
        "actions__owner_user",
        "actions__owner_contact",
    )
    if client is not None:
        qs = qs.filter(client=client)
    return qs.filter(pk=pk).first()


def action_of(pk: int) -> CommitteeAction | None:
    return CommitteeAction.objects.select_related("committee__client").filter(pk=pk).first()
