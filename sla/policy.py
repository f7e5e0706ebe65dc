"""GTI policy: which duration and which calendar apply to a ticket's urgency.

The GTI (Garantie de Temps d'Intervention) is counted on two different bases within one contract:
critical (1 h) and very blocking (4 h) on the client's *subscribed* hours plan, slightly blocking
(8 h) and non-blocking (16 h) on Oceanis standard business hours. Contracts may commit to other
durations; those are frozen on the ticket at creation and passed in here.

This module imports nothing from the other apps: callers pass plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

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


@cache
def calendar_for(plan: str) -> BusinessCalendar:
    """The shared (cached) calendar of an hours plan; calendars are immutable."""
    return BusinessCalendar.preset(plan)


@dataclass(frozen=True)
class GtiRule:
    """How a ticket's GTI is measured: a duration of open time on a calendar."""

    duration: timedelta
    basis: str  # an HoursPlan value

    @property
    def calendar(self) -> BusinessCalendar:
        return calendar_for(self.basis)


def gti_rule(
    urgency: str, hours_plan: str | None, commitments: dict[str, Any] | None = None
) -> GtiRule:
    """The GTI rule for an urgency under a contract.

    ``hours_plan`` is the contract's subscribed plan (None without a contract: Oceanis hours).
    ``commitments`` maps urgency values to a number of minutes, as frozen on the ticket; missing
    urgencies fall back to the Oceanis defaults (1 h / 4 h / 8 h / 16 h).
    """
    urgency = Urgency(urgency)
    minutes = (commitments or {}).get(urgency.value)
    duration = timedelta(minutes=int(minutes)) if minutes is not None else DEFAULT_GTI[urgency]
    if urgency in SUBSCRIBED_HOURS_URGENCIES and hours_plan:
        basis = HoursPlan(hours_plan).value
    else:
        basis = HoursPlan.STANDARD.value
    return GtiRule(duration=duration, basis=basis)


def commitments_minutes(durations: dict[Any, timedelta]) -> dict[str, int]:
    """Serialise {urgency: timedelta} to the JSON form frozen on tickets."""
    return {str(k): int(v.total_seconds() // 60) for k, v in durations.items()}
