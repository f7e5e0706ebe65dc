"""Team view: per technician, what was handled in a period, time spent, live at-risk load and
on-call pages with the 1-hour intervention commitment.

On-call pages come from ``oncall.Page``, built by another app; it is looked up at run time so the
reports keep working (without that column group) where the model is missing or differs. Fields
relied on: ``ticket`` (to the ticket), ``target`` (the paged ``staff.Technician``), ``raised_at``
(when the page was raised) and ``intervention_met`` (nullable boolean: the 1-hour commitment).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Q, Sum
from django.utils import timezone

from clients.models import Client
from staff.models import Technician
from tickets.models import NOT_TAKEN_STATES, OPEN_STATES, PlannedIntervention, Ticket, TicketEvent

from .periods import Period

logger = logging.getLogger(__name__)

PAGE_FIELDS = ("ticket", "target", "raised_at", "intervention_met")


def page_model():
    """``oncall.Page`` when installed with the fields the reports rely on, else ``None``."""
    try:
        model = apps.get_model("oncall", "Page")
    except LookupError:
        return None
    try:
        for name in PAGE_FIELDS:
            model._meta.get_field(name)
    except FieldDoesNotExist:
        logger.warning("oncall.Page lacks %s: on-call figures left out of the reports", name)
        return None
    return model


@dataclass
class TeamLine:
    technician: Technician
    taken: int = 0  # tickets taken in charge in the period
    handled: int = 0  # tickets closed in the period
    open_now: int = 0
    at_risk_now: int = 0
    minutes: int = 0  # time entered on timeline entries in the period
    travel: int = 0  # travel of planned interventions in the period
    pages: int = 0
    pages_decided: int = 0
    pages_met: int = 0

    @property
    def total_minutes(self) -> int:
        return self.minutes + self.travel

    @property
    def met_rate(self) -> float | None:
        return self.pages_met / self.pages_decided if self.pages_decided else None


@dataclass
class TeamReport:
    lines: list[TeamLine]
    oncall_available: bool
    total: TeamLine


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def team_report(
    period: Period, client: Client | None = None, now: datetime | None = None
) -> TeamReport:
    """Five grouped queries (six with on-call), whatever the number of tickets."""
    now = now or timezone.now()
    tickets = Ticket.objects.order_by().filter(assignee__isnull=False)
    events = TicketEvent.objects.order_by().filter(_in("at", period), actor__isnull=False)
    visits = PlannedIntervention.objects.order_by().filter(
        _in("starts_at", period), cancelled=False
    )
    if client is not None:
        tickets = tickets.filter(client=client)
        events = events.filter(ticket__client=client)
        visits = visits.filter(ticket__client=client)

    technicians = list(Technician.objects.select_related("user"))
    lines = {t.pk: TeamLine(t) for t in technicians}
    by_user = {t.user_id: t.pk for t in technicians}

    at_risk = Q(state__in=NOT_TAKEN_STATES, gti_risk_at__lte=now, gti_deadline__gt=now)
    grouped = (
        tickets.filter(
            _in("taken_in_charge_at", period) | _in("closed_at", period) | Q(state__in=OPEN_STATES)
        )
        .values("assignee")
        .annotate(
            taken=Count("pk", filter=_in("taken_in_charge_at", period)),
            handled=Count("pk", filter=_in("closed_at", period)),
            open_now=Count("pk", filter=Q(state__in=OPEN_STATES)),
            at_risk_now=Count("pk", filter=at_risk),
        )
    )
    for row in grouped:
        line = lines.get(row["assignee"])
        if line:
            line.taken, line.handled = row["taken"], row["handled"]
            line.open_now, line.at_risk_now = row["open_now"], row["at_risk_now"]
    for row in events.values("actor").annotate(m=Sum("minutes_spent")):
        if row["actor"] in by_user:
            lines[by_user[row["actor"]]].minutes = row["m"] or 0
    for row in visits.values("technician").annotate(m=Sum("travel_minutes")):
        if row["technician"] in lines:
            lines[row["technician"]].travel = row["m"] or 0

    page = page_model()
    if page is not None:
        pages = page.objects.order_by().filter(_in("raised_at", period), target__isnull=False)
        if client is not None:
            pages = pages.filter(ticket__client=client)
        for row in pages.values("target").annotate(
            n=Count("pk"),
            decided=Count("pk", filter=Q(intervention_met__isnull=False)),
            met=Count("pk", filter=Q(intervention_met=True)),
        ):
            if row["target"] in lines:
                line = lines[row["target"]]
                line.pages, line.pages_decided, line.pages_met = (
                    row["n"],
                    row["decided"],
                    row["met"],
                )

    active = [
        line
        for line in lines.values()
        if line.technician.available
        or line.taken
        or line.handled
        or line.open_now
        or line.total_minutes
        or line.pages
    ]
    active.sort(key=lambda line: (-line.handled, -line.total_minutes, str(line.technician)))
    total = TeamLine(technician=None)  # type: ignore[arg-type]
    for line in active:
        for field in (
            "taken",
            "handled",
            "open_now",
            "at_risk_now",
            "minutes",
            "travel",
            "pages",
            "pages_decided",
            "pages_met",
        ):
            setattr(total, field, getattr(total, field) + getattr(line, field))
    return TeamReport(lines=active, oncall_available=page is not None, total=total)
