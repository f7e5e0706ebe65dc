"""Delays counted in business days of the Oceanis calendar (reopening window, auto-closure).

A business day is a local date on which the standard calendar has open hours: weekends,
French public holidays and extra closures do not count. "N business days after t" is the same
wall-clock time on the N-th business day after t's local date, so a ticket resolved on Friday
at 16:00 with a 10-day delay is due on the Friday two weeks later at 16:00 (no holiday between).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sla.calendar import BusinessCalendar
from sla.policy import calendar_for

_ONE_DAY = timedelta(days=1)
# A calendar without any open day for this long is misconfigured: fail instead of looping.
_MAX_SCAN_DAYS = 3660


def oceanis_calendar() -> BusinessCalendar:
    return calendar_for("standard")


def is_business_day(day, calendar: BusinessCalendar | None = None) -> bool:
    calendar = calendar or oceanis_calendar()
    start = datetime.combine(day, time(0), tzinfo=calendar.tz)
    end = datetime.combine(day + _ONE_DAY, time(0), tzinfo=calendar.tz)
    return calendar.elapsed(start, end) > timedelta(0)


def business_days_after(
    start: datetime, days: int, calendar: BusinessCalendar | None = None
) -> datetime:
    """The instant ``days`` business days after ``start`` (same local wall-clock time)."""
    calendar = calendar or oceanis_calendar()
    local = start.astimezone(calendar.tz)
    day, counted = local.date(), 0
    for _scanned in range(_MAX_SCAN_DAYS):
        if counted >= days:
            break
        day += _ONE_DAY
        if is_business_day(day, calendar):
            counted += 1
    else:
        raise ValueError(f"no {days} business days within {_MAX_SCAN_DAYS} days of {start}")
    return datetime.combine(day, local.time(), tzinfo=calendar.tz)
