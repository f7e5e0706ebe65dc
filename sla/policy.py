"""GTI policy: which duration and which calendar apply to a ticket's urgency.

The GTI (Garantie de Temps d'Intervention) is counted on two different bases within one contract:
critical (1 h) and very blocking (4 h) on the client's *subscribed* hours plan, slightly blocking
(8 h) and non-blocking (16 h) on Oceanis standard business hours. Contracts may commit to other
durations; those are frozen on the ticket at creation and passed in here.

This module imports nothing from the other apps: callers pass plain values. The apps that keep
calendar data in the database (``calendars``: closures and re-openings; ``oncall``: coverage
plans) plug in through ``set_calendar_provider`` and ``set_coverage_provider``; without them the
three presets are used as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypedDict

from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendar import BusinessCalendar


class Urgency(models.TextChoices):
    NON_BLOCKING = "non_blocking", _("Non bloquant")
    SLIGHTLY_BLOCKING = "slightly_blocking", _("Peu bloquant")
    VERY_BLOCKING = "very_blocking", _("Très bloquant")
    CRITICAL = "critical", _("Critique")


# Most urgent first; used for sorting and workload weights. Keyed by str: a ticket's urgency is
# the stored value, which finds the same entry (Urgency is a str).
URGENCY_RANK: dict[str, int] = {
    Urgency.CRITICAL: 4,
    Urgency.VERY_BLOCKING: 3,
    Urgency.SLIGHTLY_BLOCKING: 2,
    Urgency.NON_BLOCKING: 1,
}


class HoursPlan(models.TextChoices):
    """The hours a client subscribed to (plages horaires souscrites)."""

    STANDARD = "standard", _("Heures ouvrées (8h30–12h30, 14h–18h)")
    EXTENDED = "extended", _("Plages étendues (7h–19h)")
    ON_CALL = "24x7", _("Astreinte 24h/24 7j/7")


DEFAULT_GTI = {
    Urgency.CRITICAL: timedelta(hours=1),
    Urgency.VERY_BLOCKING: timedelta(hours=4),
    Urgency.SLIGHTLY_BLOCKING: timedelta(hours=8),
    Urgency.NON_BLOCKING: timedelta(hours=16),
}

# Urgencies whose clock runs on the client's subscribed hours; the others on Oceanis hours.
SUBSCRIBED_HOURS_URGENCIES = frozenset({Urgency.CRITICAL, Urgency.VERY_BLOCKING})

AT_RISK_RATIO = 0.75


# A coverage basis (subscribed hours plus an on-call plan's windows): "oc<plan id>:<plan>",
# within the 16 characters of ``Ticket.gti_basis``.
COVERAGE_PREFIX = "oc"

# Which urgencies an on-call plan pages for out of hours, unless the plan says otherwise.
DEFAULT_PAGING_URGENCIES = frozenset({Urgency.CRITICAL, Urgency.VERY_BLOCKING})


@dataclass(frozen=True)
class Coverage:
    """A contract's on-call plan, as the GTI rule needs it: the paging urgencies count their
    GTI on the subscribed hours plus the plan's windows (``coverage_basis``)."""

    plan_id: int
    urgencies: frozenset[str]


CalendarProvider = Callable[[str, "datetime | None"], BusinessCalendar]
CoverageProvider = Callable[[int], "Coverage | None"]


class _Providers(TypedDict):
    calendar: CalendarProvider | None
    coverage: CoverageProvider | None


_providers: _Providers = {"calendar": None, "coverage": None}


def set_calendar_provider(provider: CalendarProvider | None) -> None:
    """``provider(basis, as_of)`` builds the calendar of a basis with the exceptions in force
    at ``as_of`` (None: now); installed by the ``calendars`` app."""
    _providers["calendar"] = provider


def set_coverage_provider(provider: CoverageProvider | None) -> None:
    """``provider(contract_id)`` is the contract's ``Coverage`` or None; installed by ``oncall``."""
    _providers["coverage"] = provider


@cache
def preset_calendar(plan: str) -> BusinessCalendar:
    """A preset as shipped, without the centre's exceptions (cached; calendars are immutable)."""
    return BusinessCalendar.preset(plan)


def calendar_for(basis: str, as_of: datetime | None = None) -> BusinessCalendar:
    """The shared calendar of a GTI basis, with the exceptions declared before ``as_of`` (a
    ticket's creation: its clock keeps the calendar its deadline was computed on)."""
    provider = _providers["calendar"]
    if provider is None:
        return preset_calendar(split_basis(basis)[1])
    return provider(basis, as_of)


def coverage_basis(plan_id: int, hours_plan: str) -> str:
    return f"{COVERAGE_PREFIX}{plan_id}:{HoursPlan(hours_plan or HoursPlan.STANDARD).value}"


def split_basis(basis: str) -> tuple[int | None, str]:
    """``"oc12:extended"`` → ``(12, "extended")``; a preset name → ``(None, name)``."""
    if basis.startswith(COVERAGE_PREFIX):
        plan, _sep, preset = basis[len(COVERAGE_PREFIX) :].partition(":")
        if plan.isdigit() and preset in HoursPlan.values:
            return int(plan), preset
        raise ValueError(f"invalid coverage basis {basis!r}")
    return None, HoursPlan(basis).value


def coverage_for(contract_id: int | None) -> Coverage | None:
    """The on-call plan a contract subscribed to, if any (and if on-call is installed)."""
    provider = _providers["coverage"]
    if provider is None or contract_id is None:
        return None
    return provider(contract_id)


@dataclass(frozen=True)
class GtiRule:
    """How a ticket's GTI is measured: a duration of open time on a calendar."""

    duration: timedelta
    basis: str  # an HoursPlan value, or a coverage basis ("oc12:standard")

    @property
    def calendar(self) -> BusinessCalendar:
        return calendar_for(self.basis)


def gti_rule(
    urgency: str,
    hours_plan: str | None,
    commitments: dict[str, Any] | None = None,
    coverage: Coverage | None = None,
) -> GtiRule:
    """The GTI rule for an urgency under a contract.

    ``hours_plan`` is the contract's subscribed plan (None without a contract: Oceanis hours).
    ``commitments`` maps urgency values to a number of minutes, as frozen on the ticket; missing
    urgencies fall back to the Oceanis defaults (1 h / 4 h / 8 h / 16 h). ``coverage``: the
    contract's on-call plan; its paging urgencies count on the subscribed hours plus its windows.
    """
    urgency = Urgency(urgency)
    minutes = (commitments or {}).get(urgency.value)
    duration = timedelta(minutes=int(minutes)) if minutes is not None else DEFAULT_GTI[urgency]
    if coverage is not None and urgency in coverage.urgencies:
        basis = coverage_basis(coverage.plan_id, hours_plan or HoursPlan.STANDARD)
    elif urgency in SUBSCRIBED_HOURS_URGENCIES and hours_plan:
        basis = HoursPlan(hours_plan).value
    else:
        basis = HoursPlan.STANDARD.value
    return GtiRule(duration=duration, basis=basis)


def commitments_minutes(durations: dict[Any, timedelta]) -> dict[str, int]:
    """Serialise {urgency: timedelta} to the JSON form frozen on tickets."""
    return {str(k): int(v.total_seconds() // 60) for k, v in durations.items()}
