"""Live GTI status of a ticket: remaining open time, share consumed, at risk, breached.

Pure computation on values already loaded with the ticket (no queries), so a list page can
decorate hundreds of rows without N+1: the calendars are cached and ``elapsed`` is O(log n).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .policy import AT_RISK_RATIO, calendar_for


@dataclass(frozen=True)
class GtiStatus:
    deadline: datetime | None
    duration: timedelta | None
    remaining: timedelta | None  # open time left before the deadline (0 once breached)
    overdue: timedelta | None  # open time past the deadline (0 while within it)
    consumed_ratio: float | None  # 0.0 … 1.0+ of the GTI consumed
    at_risk: bool  # ≥ 75 % consumed, not yet breached, not yet taken in charge
    breached: bool  # deadline passed before the first taking in charge
    measured: timedelta | None  # TI measured when taken in charge
    met: bool | None  # None while the clock runs
    # Cancelled (or closed) before any taking in charge: no clock runs, nothing is late.
    stopped: bool = False

    @property
    def running(self) -> bool:
        return self.measured is None and self.deadline is not None and not self.stopped

    @property
    def percent(self) -> int | None:
        return None if self.consumed_ratio is None else round(self.consumed_ratio * 100)

    @property
    def level(self) -> str:
        """A CSS-friendly word: ok, risk, breached, met, missed or none (no clock, or stopped)."""
        if self.stopped:
            return "none"
        if self.met is not None:
            return "met" if self.met else "missed"
        if self.breached:
            return "breached"
        if self.at_risk:
            return "risk"
        return "ok" if self.deadline else "none"


def gti_status(
    *,
    created_at: datetime,
    deadline: datetime | None,
    basis: str,
    duration: timedelta | None,
    ti_measured: timedelta | None,
    gti_met: bool | None,
    now: datetime,
    stopped: bool = False,
) -> GtiStatus:
    """The status of one GTI clock at ``now``. ``stopped``: the ticket was cancelled or closed,
    which stops its clock when it was never taken in charge (nothing is at risk or late)."""
    if deadline is None or duration is None or not basis:
        return GtiStatus(None, None, None, None, None, False, False, None, None)
    if ti_measured is not None:
        ratio = ti_measured / duration if duration else 1.0
        return GtiStatus(
            deadline, duration, None, None, ratio, False, not gti_met, ti_measured, gti_met
        )
    if stopped:
        return GtiStatus(deadline, duration, None, None, None, False, False, None, None, True)
    calendar = calendar_for(basis, as_of=created_at)
    consumed = calendar.elapsed(created_at, now)
    remaining = max(duration - consumed, timedelta(0))
    overdue = max(consumed - duration, timedelta(0))
    ratio = consumed / duration if duration else 1.0
    breached = now >= deadline
    return GtiStatus(
        deadline=deadline,
        duration=duration,
        remaining=remaining,
        overdue=overdue,
        consumed_ratio=ratio,
        at_risk=not breached and ratio >= AT_RISK_RATIO,
        breached=breached,
        measured=None,
        met=None,
    )
