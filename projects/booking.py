"""Booking engineers onto projects, for a day, a half-day or the working days of a range.

A booking that would exceed the week's availability, fall on an unavailable half-day (weekend,
holiday, absence, on-call) or on a half-day already booked on another project is an over-booking
(figures from ``projects.capacity``): refused with every reason, unless a manager forces it, which
is logged on the project. The same half-day is never booked twice on the same project.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from staff import policy
from staff.models import Technician
from staff.policy import Action

from .capacity import Slot, capacity, holiday_name, slots_of, week_start
from .models import ACTIVE_STATES, Booking, EventKind, Half, Project
from .services import can_drive, record_event

MAX_RANGE_DAYS = 92  # a booking form covers at most a quarter: a typo must not book a year


class OverbookingError(ValidationError):
    """The booking exceeds the engineer's capacity; ``problems`` says where and why."""

    def __init__(self, engineer: Technician, problems: list[str]):
        self.problems = problems
        header = _("Surréservation refusée pour %(engineer)s :") % {"engineer": engineer}
        super().__init__([header, *problems], code="overbooking")


def _day_label(day: dt.date) -> str:
    return formats.date_format(day, "l d/m/Y")


def _slot_label(slot: Slot) -> str:
    return f"{_day_label(slot[0])} {Half(slot[1]).label.lower()}"


def booking_days(start: dt.date, end: dt.date | None) -> list[dt.date]:
    """Days a booking request covers: one day as asked, or the working days of a range."""
    if end is None or end == start:
        return [start]
    if end < start:
        raise ValidationError({"end": _("La date de fin précède la date de début.")})
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationError(
            {"end": _("Une réservation couvre au plus %(n)s jours.") % {"n": MAX_RANGE_DAYS}}
        )
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    days = [d for d in days if d.weekday() < 5 and not holiday_name(d)]
    if not days:
        raise ValidationError({"end": _("Aucun jour ouvré dans cette période.")})
    return days


def book(
    *,
    project: Project,
    engineer: Technician,
    start: dt.date,
    by,
    end: dt.date | None = None,
    half: str = Half.DAY,
    force: bool = False,
    note: str = "",
) -> list[Booking]:
    """Book an engineer on a project for one day or half-day, or every working day of a range.

    All or nothing. Raises ``OverbookingError`` (a ``ValidationError``) listing every problem
    unless ``force`` — which only a manager may use (``PermissionDenied`` otherwise) and which is
    logged on the project with those problems. Booking the same half-day twice on the same
    project is always refused.
    """
    half = Half(half)
    if not can_drive(by, project):
        raise PermissionDenied(
            _("Seuls le chef de projet intégration et les responsables réservent des ressources.")
        )
    if force and not policy.allows(by, Action.PROJECT_FORCE_BOOKING):
        raise PermissionDenied(_("Seul un responsable peut forcer une surréservation."))
    days = booking_days(start, end)
    with transaction.atomic():
        # One booking at a time per engineer: the capacity read below stays true until commit.
        Technician.objects.select_for_update().filter(pk=engineer.pk).exists()
        project = Project.objects.get(pk=project.pk)
        if project.state not in ACTIVE_STATES:
            raise ValidationError(
                _(
                    "Le projet « %(name)s » est « %(state)s » : "
                    "il ne peut pas recevoir de réservation."
                )
                % {"name": project.name, "state": project.get_state_display()}
            )
        existing = defaultdict(list)
        for booking in Booking.objects.filter(engineer=engineer, date__in=days).select_related(
            "project"
        ):
            for slot in slots_of(booking.date, booking.half):
                existing[slot].append(booking.project)
        requested = [slot for day in days for slot in slots_of(day, half)]
        duplicates = [s for s in requested if any(p.pk == project.pk for p in existing[s])]
        if duplicates:
            raise ValidationError(
                _("%(engineer)s est déjà réservé(e) sur ce projet : %(slots)s.")
                % {"engineer": engineer, "slots": ", ".join(_slot_label(s) for s in duplicates)}
            )
        problems = _overbooking_problems(engineer, requested, existing)
        if problems and not force:
            raise OverbookingError(engineer, problems)
        bookings = [
            Booking.objects.create(
                engineer=engineer,
                project=project,
                date=day,
                half=half,
                forced=bool(problems),
                note=note.strip(),
                created_by=by,
            )
            for day in days
        ]
        if problems:
            record_event(
                project,
                EventKind.FORCED_BOOKING,
                by=by,
                note="\n".join(problems),
                payload={
                    "engineer": engineer.pk,
                    "engineer_name": str(engineer),
                    "bookings": [b.pk for b in bookings],
                    "days": [d.isoformat() for d in days],
                    "half": half.value,
                    "problems": problems,
                    "note": note.strip(),
                },
            )
    return bookings


def _overbooking_problems(
    engineer: Technician, requested: list[Slot], existing: dict[Slot, list[Project]]
) -> list[str]:
    problems = []
    mondays = sorted({week_start(day) for day, _half in requested})
    figures = capacity([engineer.pk], mondays)
    for slot in requested:
        day = slot[0]
        if day.weekday() > 4:
            problems.append(_("%(day)s n'est pas un jour ouvré.") % {"day": _slot_label(slot)})
            continue
        why = figures[(engineer.pk, week_start(day))].blocked.get(slot)
        if why:
            problems.append(
                _("%(slot)s : indisponible, %(why)s.") % {"slot": _slot_label(slot), "why": why}
            )
        for other in existing[slot]:
            problems.append(
                _("%(slot)s : déjà réservé(e) sur le projet « %(project)s ».")
                % {"slot": _slot_label(slot), "project": other.name}
            )
    for monday in mondays:
        week = figures[(engineer.pk, monday)]
        wanted = sum(1 for day, _half in requested if week_start(day) == monday)
        if week.booked + wanted > week.available:
            problems.append(
                _(
                    "Semaine %(week)s (du %(monday)s) : "
                    "%(available)s demi-journée(s) disponible(s), %(booked)s déjà réservée(s), "
                    "%(wanted)s demandée(s) – dépassement de %(over)s."
                )
                % {
                    "week": week.iso_week,
                    "monday": formats.date_format(monday, "d/m/Y"),
                    "available": week.available,
                    "booked": week.booked,
                    "wanted": wanted,
                    "over": week.booked + wanted - week.available,
                }
            )
    return problems


def booking_cancel(*, booking: Booking, by) -> None:
    """Free a booked slot (project manager or managers)."""
    if not can_drive(by, booking.project):
        raise PermissionDenied(
            _("Seuls le chef de projet intégration et les responsables réservent des ressources.")
        )
    booking.delete()
