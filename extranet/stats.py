"""Service level for a client: GTI met rate per month and urgency, aggregated in the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clients.models import Contact
from oceanis import numbers
from sla.policy import Urgency
from tickets.selectors import breached_q, gti_met_q

from .forms import URGENCY_ORDER
from .selectors import visible_tickets


@dataclass
class Cell:
    total: int = 0  # requests created that month
    measured: int = 0  # of which the GTI is decided: met, or breached (late, or untaken past it)
    met: int = 0

    @property
    def rate(self) -> float | None:
        """Percentage of decided requests whose GTI was met (one decimal, as in the monthly
        report); None when nothing is decided yet."""
        return round(100 * self.met / self.measured, 1) if self.measured else None


@dataclass
class MonthRow:
    month: date
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def total(self) -> Cell:
        cell = Cell()
        for c in self.cells.values():
            cell.total += c.total
            cell.measured += c.measured
            cell.met += c.met
        return cell

    def by_urgency(self) -> list[tuple[str, Cell]]:
        return [(u.value, self.cells[u.value]) for u in URGENCY_ORDER]


def last_months(today: date, count: int = 12) -> list[date]:
    """First days of the ``count`` months ending with today's month, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def service_level(contact: Contact, today: date | None = None) -> list[MonthRow]:
    """Per month (last 12, Paris time) and urgency: requests created, GTI decided, GTI met.

    The counting rule is the monthly report's (``tickets.selectors.gti_met_q`` and
    ``breached_q``): a request still untaken past its deadline is a breach, not "not measured".
    One grouped query; Python only lays the (at most 48) result rows into the grid.
    """
    tz = ZoneInfo(settings.TIME_ZONE)
    now = timezone.now()
    today = today or timezone.localdate(now)
    months = last_months(today)
    since = timezone.make_aware(datetime.combine(months[0], time.min), tz)
    rows = (
        visible_tickets(contact)
        .filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month", "urgency")
        .annotate(
            total=Count("pk"),
            measured=Count("pk", filter=gti_met_q() | breached_q(now)),
            met=Count("pk", filter=gti_met_q()),
        )
        .order_by()
    )
    grid = {m: MonthRow(m, {u.value: Cell() for u in Urgency}) for m in months}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        if month in grid and row["urgency"] in grid[month].cells:
            grid[month].cells[row["urgency"]] = Cell(row["total"], row["measured"], row["met"])
    return [grid[m] for m in months]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    urgency: str
    label: str


CHART_HEIGHT = 160
CHART_TOP = 10
GROUP_WIDTH = 48
BAR_WIDTH = 9


def chart_bars(rows: list[MonthRow]) -> list[Bar]:
    """Geometry of the SVG bar chart: per month, one bar per urgency, height = GTI met rate."""
    bars = []
    for i, row in enumerate(rows):
        for j, (urgency, cell) in enumerate(row.by_urgency()):
            if cell.rate is None:
                continue
            height = CHART_HEIGHT * cell.rate / 100
            bars.append(
                Bar(
                    x=40 + i * GROUP_WIDTH + 4 + j * (BAR_WIDTH + 1),
                    y=CHART_TOP + CHART_HEIGHT - height,
                    width=BAR_WIDTH,
                    height=height,
                    urgency=urgency,
                    label=f"{row.month:%m/%Y} – {Urgency(urgency).label} : "
                    f"{numbers.percent(cell.rate)} "
                    f"({cell.met}/{cell.measured})",
                )
            )
    return bars
