"""The service-manager report of one client (or the whole centre) over a period.

Every figure is computed by the database: filtered ``Count``/``Sum`` aggregates, ``TruncDay`` /
``TruncMonth`` groupings, percentiles (see ``reports.percentiles``) and a per-day conditional
aggregate for the backlog. Python only reshapes the few aggregated rows it gets back, so the
number of queries and the work in Python do not grow with the number of tickets.

Populations (documented on the page too):
- counts by dimension, GTI and time to take in charge: tickets *created* in the period;
- treatment time: tickets *closed* in the period;
- reopen rate: tickets *resolved* in the period (a resolve transition dated in it) that were
  reopened at least once (a transition whose payload action is ``reopen``);
- backlog: tickets created and not yet closed or cancelled at the end of each day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property

from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import TruncDay, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client
from sla.policy import URGENCY_RANK, Urgency
from tickets.models import (
    Channel,
    Complexity,
    EventKind,
    Kind,
    State,
    TechnicalDomain,
    Ticket,
    TicketEvent,
)
from tickets.selectors import breached_q, gti_met_q

from ..percentiles import percentiles
from ..periods import Period, local_midnight, local_tz

# (field, choices, label) of each breakdown; "" is the "not set" bucket of optional fields.
DIMENSIONS = (
    ("kind", Kind, gettext_lazy("Nature")),
    ("urgency", Urgency, gettext_lazy("Urgence")),
    ("complexity", Complexity, gettext_lazy("Complexité")),
    ("technical_domain", TechnicalDomain, gettext_lazy("Domaine technique")),
    ("channel", Channel, gettext_lazy("Origine")),
)
URGENCIES = sorted(Urgency, key=lambda u: -URGENCY_RANK[u])  # critical first
BREACH_LIST_LIMIT = 200
TOP_LIMIT = 10


@dataclass(frozen=True)
class Bucket:
    value: str
    label: str
    count: int


@dataclass(frozen=True)
class GtiLine:
    urgency: str
    label: str
    measured: int  # tickets whose GTI is decided: met or breached
    met: int
    breached: int

    @property
    def rate(self) -> float | None:
        return self.met / self.measured if self.measured else None


@dataclass(frozen=True)
class DurationStat:
    key: str
    label: str
    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class SeriesPoint:
    day: date
    value: int


def ticket_scope(client: Client | None) -> QuerySet[Ticket]:
    qs = Ticket.objects.order_by()
    return qs.filter(client=client) if client is not None else qs


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})


def ended_at_expression():
    """When a ticket left the backlog: its closure, or the instant it was cancelled.

    Cancellation has no column on Ticket: the cancel transition's event is read by a correlated
    subquery that the CASE runs for cancelled rows only (a join would scan every event to find
    the few cancellations). Report queries run with the JIT off (``reports.db``): compiling
    these repeated expressions would otherwise cost seconds.
    """
    cancelled_at = (
        TicketEvent.objects.filter(
            ticket=OuterRef("pk"), kind=EventKind.TRANSITION, to_state=State.CANCELLED
        )
        .order_by("-at")
        .values("at")[:1]
    )
    return Case(
        When(state=State.CANCELLED, then=Subquery(cancelled_at)),
        default=F("closed_at"),
    )


WALL_TI = ExpressionWrapper(F("taken_in_charge_at") - F("created_at"), output_field=DurationField())


class ServiceReport:
    """Lazily computed sections of the report; each section is a handful of queries at most."""

    def __init__(self, client: Client | None, period: Period, as_of: datetime | None = None):
        self.client = client
        self.period = period
        # GTI clocks still running are judged at this instant (generation time by default).
        self.as_of = as_of or timezone.now()

    @property
    def scope_label(self) -> str:
        return self.client.name if self.client else _("Tout le centre")

    def created(self) -> QuerySet[Ticket]:
        return ticket_scope(self.client).filter(_in("created_at", self.period))

    # --- counts --------------------------------------------------------------------------
    @cached_property
    def breakdowns(self) -> dict[str, list[Bucket]]:
        """Tickets created in the period by nature, urgency, complexity, domain and channel."""
        plan, aggregates = [], {"total": Count("pk")}
        for field, choices, _label in DIMENSIONS:
            values = [(c.value, str(c.label)) for c in choices]
            if field == "technical_domain":
                values.append(("", _("Non renseigné")))
            for value, label in values:
                alias = f"d{len(plan)}"
                plan.append((field, value, label, alias))
                aggregates[alias] = Count("pk", filter=Q(**{field: value}))
        row = self.created().aggregate(**aggregates)
        result: dict[str, list[Bucket]] = {field: [] for field, *_ in DIMENSIONS}
        for field, value, label, alias in plan:
            result[field].append(Bucket(value, label, row[alias]))
        return result

    @cached_property
    def total(self) -> int:
        return sum(b.count for b in self.breakdowns["kind"])

    # --- GTI -----------------------------------------------------------------------------
    @cached_property
    def gti(self) -> list[GtiLine]:
        """Met / breached per urgency; a clock still running past its deadline is a breach."""
        breached = breached_q(self.as_of)
        aggregates = {}
        for i, urgency in enumerate(URGENCIES):
            aggregates[f"m{i}"] = Count("pk", filter=Q(urgency=urgency) & gti_met_q())
            aggregates[f"b{i}"] = Count("pk", filter=Q(urgency=urgency) & breached)
        row = self.created().aggregate(**aggregates)
        return [
            GtiLine(
                urgency=u.value,
                label=str(u.label),
                measured=row[f"m{i}"] + row[f"b{i}"],
                met=row[f"m{i}"],
                breached=row[f"b{i}"],
            )
            for i, u in enumerate(URGENCIES)
        ]

    @cached_property
    def gti_total(self) -> GtiLine:
        met = sum(line.met for line in self.gti)
        breached = sum(line.breached for line in self.gti)
        return GtiLine("", _("Toutes urgences"), met + breached, met, breached)

    def breaches(self, limit: int | None = BREACH_LIST_LIMIT) -> list[Ticket]:
        """The breaching tickets, oldest first (``limit=None`` for all of them, for exports)."""
        qs = (
            self.created()
            .filter(breached_q(self.as_of))
            .select_related("client", "assignee__user")
            .only(
                "reference",
                "title",
                "urgency",
                "state",
                "created_at",
                "gti_deadline",
                "taken_in_charge_at",
                "ti_measured",
                "gti_duration",
                "client__name",
                "assignee__user__first_name",
                "assignee__user__last_name",
                "assignee__user__username",
            )
            .order_by("created_at", "pk")
        )
        return list(qs if limit is None else qs[:limit])

    # --- durations -----------------------------------------------------------------------
    @cached_property
    def durations(self) -> list[DurationStat]:
        """Median and 90th percentile of the time to take in charge and the treatment time."""
        created = _in("created_at", self.period) & Q(taken_in_charge_at__isnull=False)
        closed = _in("closed_at", self.period)
        metrics = (
            (
                "ti_business",
                _("Délai de prise en charge (heures ouvrées)"),
                F("ti_measured"),
                created,
            ),
            ("ti_wall", _("Délai de prise en charge (calendaire)"), WALL_TI, created),
            (
                "treatment_business",
                _("Temps de traitement (heures ouvrées)"),
                F("treatment_business"),
                closed & Q(treatment_business__isnull=False),
            ),
            (
                "treatment_wall",
                _("Temps de traitement (calendaire)"),
                F("treatment_wall"),
                closed & Q(treatment_wall__isnull=False),
            ),
        )
        base = ticket_scope(self.client).filter(
            _in("created_at", self.period) | _in("closed_at", self.period)
        )
        specs = {}
        for key, _label, expr, population in metrics:
            specs[f"{key}_p50"] = (expr, 0.5, population)
            specs[f"{key}_p90"] = (expr, 0.9, population)
        counts = base.aggregate(
            **{key: Count("pk", filter=population) for key, _l, _e, population in metrics}
        )
        values = percentiles(base, specs)
        return [
            DurationStat(key, label, counts[key], values[f"{key}_p50"], values[f"{key}_p90"])
            for key, label, _expr, _population in metrics
        ]

    # --- backlog and volumes -------------------------------------------------------------
    def backlog_points(self) -> list[date]:
        """Days sampled: every day up to two months, then weekly, then monthly (bounded)."""
        days = self.period.each_day()
        if len(days) <= 62:
            return days
        step = 7 if len(days) <= 371 else 30
        sampled = days[step - 1 :: step]
        return sampled if sampled[-1] == days[-1] else [*sampled, days[-1]]

    @cached_property
    def backlog(self) -> list[SeriesPoint]:
        """Open tickets (created, not yet closed or cancelled) at the end of each sampled day.

        One query: a conditional ``Count`` per sampled day over the tickets alive in the period;
        the number of aggregates is bounded by the sampling, not by the tickets.
        """
        points = self.backlog_points()
        first_end = local_midnight(points[0] + timedelta(days=1))
        last_end = local_midnight(points[-1] + timedelta(days=1))
        alive = (
            ticket_scope(self.client)
            .annotate(ended_at=ended_at_expression())
            .filter(created_at__lt=last_end)
            # Implied by the next filter, but written on plain columns so that indexes on
            # ``closed_at`` can narrow the scan (cancelled tickets have no ``closed_at``).
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=first_end))
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=first_end))
        )
        aggregates = {}
        for i, day in enumerate(points):
            end = local_midnight(day + timedelta(days=1))
            aggregates[f"p{i}"] = Count(
                "pk",
                filter=Q(created_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=end)),
            )
        row = alive.aggregate(**aggregates)
        return [SeriesPoint(day, row[f"p{i}"]) for i, day in enumerate(points)]

    @cached_property
    def volume_by_month(self) -> bool:
        return self.period.days > 62

    @cached_property
    def volume(self) -> list[tuple[date, int, int]]:
        """(day or month, created, closed): TruncDay over short ranges, TruncMonth otherwise."""
        trunc = TruncMonth if self.volume_by_month else TruncDay
        tz = local_tz()
        created = dict(
            self.created()
            .annotate(bucket=trunc("created_at", tzinfo=tz))
            .values("bucket")
            .annotate(n=Count("pk"))
            .values_list("bucket", "n")
        )
        closed = dict(
            ticket_scope(self.client)
            .filter(_in("closed_at", self.period))
            .annotate(bucket=trunc("closed_at", tzinfo=tz))
            .values("bucket")
            .annotate(n=Count("pk"))
            .values_list("bucket", "n")
        )
        created = {_as_date(k): v for k, v in created.items()}
        closed = {_as_date(k): v for k, v in closed.items()}
        if self.volume_by_month:
            keys = sorted({d.replace(day=1) for d in self.period.each_day()})
        else:
            keys = self.period.each_day()
        return [(k, created.get(k, 0), closed.get(k, 0)) for k in keys]

    # --- reopen rate and top equipment ---------------------------------------------------
    @cached_property
    def reopen(self) -> tuple[int, int]:
        """(tickets resolved in the period, those of them reopened at least once)."""
        # Driven by the period's resolve events (indexed on ``at``), not by every ticket of the
        # client: a ticket resolved twice in the period counts once (DISTINCT).
        reopened = TicketEvent.objects.filter(
            ticket=OuterRef("ticket_id"), kind=EventKind.TRANSITION, payload__action="reopen"
        )
        resolved = TicketEvent.objects.order_by().filter(
            kind=EventKind.TRANSITION,
            to_state=State.RESOLVED,
            at__gte=self.period.start_at,
            at__lt=self.period.end_at,
        )
        if self.client is not None:
            resolved = resolved.filter(ticket__client=self.client)
        row = resolved.aggregate(
            resolved=Count("ticket_id", distinct=True),
            reopened=Count("ticket_id", distinct=True, filter=Q(Exists(reopened))),
        )
        return row["resolved"], row["reopened"]

    @property
    def reopen_rate(self) -> float | None:
        resolved, reopened = self.reopen
        return reopened / resolved if resolved else None

    @cached_property
    def top_equipment(self) -> list[tuple[str, int]]:
        """Equipment or projects named on most tickets created in the period."""
        return list(
            self.created()
            .exclude(equipment="")
            .values("equipment")
            .annotate(n=Count("pk"))
            .order_by("-n", "equipment")
            .values_list("equipment", "n")[:TOP_LIMIT]
        )


def _as_date(value) -> date:
    """TruncDay/TruncMonth give aware datetimes (PostgreSQL, SQLite) or dates; keep the day."""
    if isinstance(value, datetime):
        return (
            timezone.localtime(value, local_tz()).date()
            if timezone.is_aware(value)
            else value.date()
        )
    return value
