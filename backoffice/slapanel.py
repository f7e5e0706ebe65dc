"""What the back-office shows about a GTI clock: the live status, how the deadline was computed,
and the data the small countdown script needs to stay honest across closed hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import translation
from django.utils.translation import gettext as _

from calendars.models import ExceptionKind
from clients.models import Contract
from sla.calendar import BusinessCalendar
from sla.explain import describe, format_duration
from sla.policy import HoursPlan, Urgency, calendar_for, coverage_for, gti_rule, split_basis
from sla.status import GtiStatus
from tickets.dispatch import URGENCIES
from tickets.models import Ticket
from tickets.selectors import ticket_gti_status


def describe_locale() -> str:
    """The ``sla.explain.describe`` locale matching the active language."""
    return "en" if (translation.get_language() or "fr").startswith("en") else "fr"


def basis_label(basis: str) -> str:
    """How the clock counts: the client's subscribed hours or Oceanis business hours, plus the
    on-call plan's ranges for a contract with one."""
    if not basis:
        return ""
    plan_id, preset = split_basis(basis)
    if plan_id is None:
        return HoursPlan(preset).label
    return _("%(hours)s + plages d'astreinte souscrites") % {"hours": HoursPlan(preset).label}


def explanation(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> str:
    """How the deadline is reached, naming the centre's exceptions on the way ("fermeture
    exceptionnelle : pont de l'Ascension")."""
    segments = calendar.explain(start, duration)
    text = describe(segments, describe_locale())
    end = segments[-1].end if segments else start
    notes = [
        f"{ExceptionKind(kind).label.lower()} : {label}"
        for _day, labelled in calendar.notes(start, end)
        for kind, label in labelled
    ]
    return f"{text} ({'; '.join(notes)})" if notes else text


@dataclass(frozen=True)
class Countdown:
    """Remaining open time now, and for how long it keeps decreasing (until the current open
    window ends or the deadline is reached): beyond that the displayed value must not move."""

    remaining_seconds: int
    ticking_seconds: int

    @property
    def ticking(self) -> bool:
        return self.ticking_seconds > 0


def countdown(
    gti: GtiStatus, basis: str, now: datetime, created_at: datetime | None = None
) -> Countdown | None:
    """None when no clock runs (no GTI, already taken in charge)."""
    if not gti.running or gti.remaining is None:
        return None
    remaining = int(gti.remaining.total_seconds())
    if remaining <= 0:
        return Countdown(0, 0)
    calendar = calendar_for(basis, as_of=created_at)
    if not calendar.is_open(now):
        return Countdown(remaining, 0)
    first = calendar.explain(now, gti.remaining)[0]
    return Countdown(remaining, int((first.end - now).total_seconds()))


@dataclass(frozen=True)
class SlaPanel:
    gti: GtiStatus
    basis: str
    explanation: str  # "30 min ven. 27/11 + 3 h 30 lun. 30/11 → lun. 30/11 12:00"
    clock_open: bool  # the ticket's calendar is open right now
    resumes_at: datetime | None  # next opening while closed
    countdown: Countdown | None


def sla_panel(ticket: Ticket, now: datetime) -> SlaPanel | None:
    """Everything the SLA panel of a ticket shows; None for a ticket without GTI."""
    if not ticket.gti_basis or ticket.gti_duration is None:
        return None
    gti = ticket_gti_status(ticket, now)
    # The calendar in force when the ticket was created: its deadline was computed on it.
    calendar = calendar_for(ticket.gti_basis, as_of=ticket.created_at)
    clock_open = calendar.is_open(now)
    return SlaPanel(
        gti=gti,
        basis=basis_label(ticket.gti_basis),
        explanation=explanation(calendar, ticket.created_at, ticket.gti_duration),
        clock_open=clock_open,
        resumes_at=None if clock_open or not gti.running else calendar.next_open(now),
        countdown=countdown(gti, ticket.gti_basis, now, ticket.created_at),
    )


@dataclass(frozen=True)
class Preview:
    """The deadline a ticket would get if saved now."""

    urgency: Urgency
    duration: timedelta
    basis: str
    deadline: datetime
    explanation: str


def gti_preview(urgency: str, contract: Contract | None, now: datetime) -> Preview:
    """Same rule as ``tickets.services.ticket_create``: contract commitments, frozen plan."""
    rule = gti_rule(
        urgency,
        contract.hours_plan if contract else None,
        contract.commitments() if contract else {},
        coverage=coverage_for(contract.pk if contract else None),
    )
    return Preview(
        urgency=Urgency(urgency),
        duration=rule.duration,
        basis=basis_label(rule.basis),
        deadline=rule.calendar.add(now, rule.duration),
        explanation=explanation(rule.calendar, now, rule.duration),
    )


def commitments(contract: Contract | None) -> list[dict]:
    """The contract's GTI commitments, most urgent first, each with the hours it counts on."""
    rows = []
    for urgency in URGENCIES:
        rule = gti_rule(
            urgency,
            contract.hours_plan if contract else None,
            contract.commitments() if contract else {},
            coverage=coverage_for(contract.pk if contract else None),
        )
        rows.append(
            {
                "urgency": urgency,
                "duration": format_duration(rule.duration),
                "basis": basis_label(rule.basis),
            }
        )
    return rows
