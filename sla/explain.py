"""Human-readable GTI explanations: "30 min ven. 27/11 + 3 h 30 lun. 30/11 → lun. 30/11 12:00".

Renders the ``Segment`` list of ``BusinessCalendar.explain``; pure Python like the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from .calendar import Segment

__all__ = ["describe", "format_duration"]

_DAY_NAMES = {
    "fr": ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _format_day(moment: datetime, locale: str) -> str:
    name = _DAY_NAMES[locale][moment.weekday()]
    if locale == "fr":
        return f"{name} {moment:%d/%m}"
    return f"{name} {moment.day} {_EN_MONTHS[moment.month - 1]}"


def format_duration(duration: timedelta) -> str:
    """``"30 min"``, ``"3 h 30"``, ``"16 h"``, ``"45 s"`` (seconds shown only under a minute)."""
    total = duration // timedelta(seconds=1)
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"
    return f"{minutes} min" if minutes or not seconds else f"{seconds} s"


def describe(segments: Iterable[Segment], locale: str = "fr") -> str:
    """E.g. ``"30 min ven. 27/11 + 3 h 30 lun. 30/11 → lun. 30/11 12:00"``.

    Segments are grouped per local day of their start (in the segments' own zone).
    ``locale`` is ``"fr"`` or ``"en"``. No segment gives an empty string.
    """
    if locale not in _DAY_NAMES:
        raise ValueError(f"unsupported locale {locale!r}; choose among {list(_DAY_NAMES)}")
    per_day: dict[date, list[Any]] = {}
    last: Segment | None = None
    for segment in segments:
        entry = per_day.setdefault(segment.start.date(), [segment.start, timedelta(0)])
        entry[1] += segment.duration
        last = segment
    if last is None:
        return ""
    parts = [
        f"{format_duration(total)} {_format_day(day, locale)}" for day, total in per_day.values()
    ]
    return " + ".join(parts) + f" → {_format_day(last.end, locale)} {last.end:%H:%M}"
