"""Engineer capacity per ISO week: how many half-days are bookable, and how many are booked.

A week holds 10 bookable half-days (Monday to Friday, morning 08:30–12:30 and afternoon
14:00–18:00, Europe/Paris: the Oceanis business hours). From them the capacity removes, without
counting a half-day twice:

1. French public holidays;
2. the engineer's absences (``Absence``: whole days, or from the afternoon / until noon);
3. the half-days the engineer is on call (astreinte), read from the on-call rotation when the
   ``oncall`` app provides one (see ``on_call_periods``): a half-day overlapping a primary on-call
   stretch is not bookable. With the Thursday 08:30 handover, one on-call week costs exactly 10
   half-days, spread over the two ISO weeks it straddles;
4. planned interventions on tickets (``tickets.PlannedIntervention``, not cancelled, starting on a
   weekday of the week): each costs its duration plus travel time, rounded up to half-days (4 h).

``available`` is what is left; ``booked`` sums the engineer's bookings on all projects. Reads
only: bookings are written by ``projects.booking``, which refuses over-bookings from these figures.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

import holidays as holidays_pkg
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _

from staff.models import Team, Technician
from tickets.models import PlannedIntervention
from tickets.models import State as TicketState

from .models import HALF_DAYS, Absence, Booking, Half

WORKING_HALF_DAYS = 10
HALF_DAY = dt.timedelta(hours=4)
SLOT_HOURS = {Half.AM: (dt.time(8, 30), dt.time(12, 30)), Half.PM: (dt.time(14, 0), dt.time(18, 0))}

Slot = tuple[dt.date, str]  # (day, "am" | "pm")


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week containing ``day``."""
    return day - dt.timedelta(days=day.weekday())


def next_weeks(count: int, today: dt.date | None = None) -> list[dt.date]:
    """Mondays of the current ISO week and the ``count - 1`` following ones."""
    first = week_start(today or timezone.localdate())
    return [first + dt.timedelta(weeks=i) for i in range(count)]


@cache
def _holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays_pkg.country_holidays("FR", years=year, language="fr"))


def holiday_name(day: dt.date) -> str | None:
    return _holidays(day.year).get(day)


def slots_of(day: dt.date, half: str) -> list[Slot]:
    """The half-day slots a booking of ``half`` covers on ``day``."""
    return [(day, Half.AM), (day, Half.PM)] if half == Half.DAY else [(day, Half(half))]


def _week_slots(monday: dt.date) -> list[Slot]:
    return [(monday + dt.timedelta(days=d), half) for d in range(5) for half in (Half.AM, Half.PM)]


def _slot_bounds(slot: Slot) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    day, half = slot
    start, end = SLOT_HOURS[half]
    return dt.datetime.combine(day, start, tz), dt.datetime.combine(day, end, tz)


def _absence_slots(absence: Absence, monday: dt.date) -> set[Slot]:
    slots = set()
    for day, half in _week_slots(monday):
        if not absence.start <= day <= absence.end:
            continue
        if day == absence.start and absence.start_pm and half == Half.AM:
            continue
        if day == absence.end and absence.end_am and half == Half.PM:
            continue
        slots.add((day, half))
    return slots


def _period_slots(start: dt.datetime, end: dt.datetime, monday: dt.date) -> set[Slot]:
    slots = set()
    for slot in _week_slots(monday):
        slot_start, slot_end = _slot_bounds(slot)
        if start < slot_end and slot_start < end:
            slots.add(slot)
    return slots


def intervention_half_days(duration: dt.timedelta, travel_minutes: int = 0) -> int:
    """Half-days a planned intervention takes: its duration plus travel, rounded up."""
    total = duration + dt.timedelta(minutes=travel_minutes or 0)
    return max(1, math.ceil(total / HALF_DAY))


# --- on-call adapter -------------------------------------------------------------------------


def on_call_source():
    """The on-call rotation module when the ``oncall`` app provides one, else None.

    Checked at run time, not imported, so that projects works with or without on-call and picks
    it up as soon as it exists: the app must be installed and ``oncall.selectors`` must expose
    ``active_rotation()`` and ``schedule(rotation, start=, weeks=)`` (weeks with ``segments``
    whose ``primary`` is the technician on call). An import error *inside* that module is a bug
    and propagates rather than silently dropping on-call from the figures.
    """
    if not apps.is_installed("oncall") or importlib.util.find_spec("oncall.selectors") is None:
        return None
    module = importlib.import_module("oncall.selectors")
    if not (hasattr(module, "active_rotation") and hasattr(module, "schedule")):
        return None
    return module


def on_call_periods(
    technician_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]] | None:
    """Stretches each technician holds the primary on-call role between two instants.

    None when no on-call rotation service exists (the capacity then says so); an empty mapping
    when it exists but nobody in ``technician_ids`` is on call.
    """
    module = on_call_source()
    if module is None:
        return None
    rotation = module.active_rotation()
    if rotation is None:
        return {}
    wanted = set(technician_ids)
    weeks = math.ceil((end - start) / dt.timedelta(weeks=1)) + 1
    periods: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for week in module.schedule(rotation, start=start, weeks=weeks):
        for segment in week.segments:
            primary = segment.primary
            if primary is not None and primary.pk in wanted:
                periods[primary.pk].append((segment.starts_at, segment.ends_at))
    return dict(periods)


# --- capacity --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCapacity:
    """One engineer's figures for one ISO week, in half-days."""

    technician_id: int
    monday: dt.date
    holidays: int
    absent: int
    on_call: int
    interventions: int
    booked: int
    on_call_known: bool = True
    # Why each unbookable half-day is unbookable (holiday, absence, on-call).
    blocked: dict[Slot, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def available(self) -> int:
        lost = self.holidays + self.absent + self.on_call + self.interventions
        return max(0, WORKING_HALF_DAYS - lost)

    @property
    def free(self) -> int:
        return self.available - self.booked

    @property
    def overbooked(self) -> bool:
        return self.booked > self.available

    @property
    def excess(self) -> int:
        """Half-days booked beyond availability (0 when not over-booked)."""
        return max(0, self.booked - self.available)

    @property
    def iso_week(self) -> int:
        return self.monday.isocalendar().week

    def explain(self) -> str:
        """The calculation in words, for the grid's tooltip."""
        parts = [_("%(n)s demi-journées ouvrées") % {"n": WORKING_HALF_DAYS}]
        for count, label in (
            (self.holidays, _("férié")),
            (self.absent, _("absence")),
            (self.on_call, _("astreinte")),
            (self.interventions, _("interventions planifiées")),
        ):
            if count:
                parts.append(f"− {count} {label}")
        text = " ".join(parts) + " = " + _("%(n)s disponibles") % {"n": self.available}
        text += ", " + _("%(n)s réservées") % {"n": self.booked}
        if not self.on_call_known:
            text += " (" + _("astreinte non prise en compte") + ")"
        return text


def capacity(
    technician_ids: Iterable[int], mondays: Sequence[dt.date]
) -> dict[tuple[int, dt.date], WeekCapacity]:
    """Capacity of each technician for each week (given by its Monday).

    A fixed number of queries whatever the number of technicians and weeks: absences, planned
    interventions, bookings, plus the on-call rotation's own (when installed).
    """
    ids = list(technician_ids)
    if not ids or not mondays:
        return {}
    tz = timezone.get_default_timezone()
    first, last = min(mondays), max(mondays) + dt.timedelta(days=7)
    span_start = dt.datetime.combine(first, dt.time.min, tz)
    span_end = dt.datetime.combine(last, dt.time.min, tz)

    absences = defaultdict(list)
    for absence in Absence.objects.filter(technician_id__in=ids, start__lt=last, end__gte=first):
        absences[absence.technician_id].append(absence)
    interventions = defaultdict(list)
    rows = (
        PlannedIntervention.objects.filter(
            technician_id__in=ids,
            cancelled=False,
            starts_at__gte=span_start,
            starts_at__lt=span_end,
        )
        .exclude(ticket__state=TicketState.CANCELLED)
        .values_list("technician_id", "starts_at", "duration", "travel_minutes")
    )
    for tech_id, starts_at, duration, travel in rows:
        interventions[tech_id].append((timezone.localtime(starts_at, tz), duration, travel))
    booked = defaultdict(int)
    for tech_id, day, half in Booking.objects.filter(
        engineer_id__in=ids, date__gte=first, date__lt=last
    ).values_list("engineer_id", "date", "half"):
        booked[(tech_id, week_start(day))] += HALF_DAYS[half]
    on_call = on_call_periods(ids, span_start, span_end)

    result = {}
    for tech_id in ids:
        for monday in mondays:
            blocked: dict[Slot, str] = {}
            for slot in _week_slots(monday):
                name = holiday_name(slot[0])
                if name:
                    blocked[slot] = _("férié (%(name)s)") % {"name": name}
            n_holidays = len(blocked)
            for absence in absences[tech_id]:
                for slot in _absence_slots(absence, monday):
                    blocked.setdefault(
                        slot, _("absence (%(reason)s)") % {"reason": absence.get_reason_display()}
                    )
            n_absent = len(blocked) - n_holidays
            for start, end in (on_call or {}).get(tech_id, []):
                for slot in _period_slots(start, end, monday):
                    blocked.setdefault(slot, _("astreinte"))
            n_on_call = len(blocked) - n_holidays - n_absent
            n_interventions = 0
            for starts_at, duration, travel in interventions[tech_id]:
                day = starts_at.date()
                if week_start(day) != monday or day.weekday() > 4:
                    continue
                half = Half.AM if starts_at.time() < SLOT_HOURS[Half.PM][0] else Half.PM
                if (day, half) in blocked:  # already unavailable: not counted twice
                    continue
                n_interventions += intervention_half_days(duration, travel)
            result[(tech_id, monday)] = WeekCapacity(
                technician_id=tech_id,
                monday=monday,
                holidays=n_holidays,
                absent=n_absent,
                on_call=n_on_call,
                interventions=n_interventions,
                booked=booked[(tech_id, monday)],
                on_call_known=on_call is not None,
                blocked=blocked,
            )
    return result


def week_capacity(technician: Technician, day: dt.date) -> WeekCapacity:
    """One technician's capacity for the ISO week containing ``day``."""
    monday = week_start(day)
    return capacity([technician.pk], [monday])[(technician.pk, monday)]


def build_engineers_by_free_time(day: dt.date | None = None) -> list[tuple[Technician, int]]:
    """BUILD engineers with their free half-days this week, most available first.

    Under-used experts back up RUN at level 3: the escalation form proposes them in this order.
    """
    engineers = list(Technician.objects.filter(team=Team.BUILD).select_related("user"))
    monday = week_start(day or timezone.localdate())
    figures = capacity([e.pk for e in engineers], [monday])
    ranked = [(e, figures[(e.pk, monday)].free) for e in engineers]
    return sorted(ranked, key=lambda pair: (-pair[1], str(pair[0])))
