"""Report periods: whole local (Europe/Paris) days, turned into UTC-aware instants for queries."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _


def month_label(day: date) -> str:
    """ "mars 2026" in French, "March 2026" in English: the active language's month name."""
    return formats.date_format(day, "F Y")


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    """Midnight of a local day as an aware datetime (DST-safe: built from the wall clock)."""
    return datetime.combine(day, time.min, tzinfo=local_tz())


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both local days included."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last))

    @classmethod
    def previous_month(cls, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        last_of_previous = today.replace(day=1) - timedelta(days=1)
        return cls.month(last_of_previous.year, last_of_previous.month)

    @property
    def start_at(self) -> datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> datetime:
        """Exclusive upper bound: midnight after the last day."""
        return local_midnight(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_whole_month(self) -> bool:
        return self == Period.month(self.start.year, self.start.month)

    @property
    def label(self) -> str:
        if self.is_whole_month:
            return month_label(self.start)
        return _("du %(start)s au %(end)s") % {
            "start": formats.date_format(self.start, "d/m/Y"),
            "end": formats.date_format(self.end, "d/m/Y"),
        }

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]
