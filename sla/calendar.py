"""Business-hours calendars: add / measure open time (GTI) in constant time.

Pure Python (stdlib + ``holidays``), no Django import.

Conventions
-----------
* Windows are local wall-clock, half-open ``[start, end)`` intervals per weekday (0 = Monday).
  A boundary is a ``datetime.time`` or an ``"HH:MM[:SS]"`` string; an *end* of ``None`` or
  ``"24:00"`` means "until midnight". Windows of a day must be sorted, non-overlapping and have
  ``start < end`` (adjacent windows are allowed); anything else raises ``ValueError``.
* Which windows apply to a date, most specific first: ``exceptions[date]`` (replaces the day;
  ``[]`` closes it), ``extra_closed_dates`` (closed), holidays not in ``reopened_dates``
  (closed), then the weekday's windows.
* Inputs are aware datetimes in any zone (naive ones raise ``ValueError``); outputs are aware
  datetimes in the calendar's zone. Microseconds are exact (integer arithmetic).
* A clock started while closed starts at the next opening. A deadline landing exactly on the end
  of a window stays there (``add(Fri 14:00, 4 h) == Fri 18:00``). ``add(t, 0)`` is ``t`` when
  ``t`` is open, else ``next_open(t)``; hence ``elapsed(t, add(t, d)) == d`` always.
* Open time is *real* elapsed time. Local window boundaries are mapped to UTC instants: an
  ambiguous wall time (repeated hour) denotes its first occurrence, a non-existent one (skipped
  hour) the transition instant. So a 24x7 day of 25 h is 25 h open, a 00:00-04:00 window on a
  spring-forward night is 3 h, and a window spanning the repeated hour counts that hour twice.

Algorithm
---------
Every instant is an integer number of microseconds since the Unix epoch. For each local
calendar year (built lazily, once) the open windows are converted to sorted, merged UTC
intervals. The covered years are concatenated into flat lists ``starts``, ``ends`` and the
prefix sums ``cum`` (open time before interval *i*) and ``cumend`` (open time up to the end of
interval *i*). Then, with two ``bisect`` calls and no loop over days:

* ``prefix(t)`` (open time before ``t``) = ``cum[i] + min(t, ends[i]) - starts[i]``;
* ``elapsed(a, b) = prefix(b) - prefix(a)``;
* ``add(t, d)``: target ``p = prefix(t) + d``; ``j = bisect_left(cumend, p)``;
  result ``ends[j] - (cumend[j] - p)`` (``bisect_left`` keeps deadlines on window ends).

The cost does not depend on the span. Extending the covered range rebuilds the flat lists under
a lock and publishes them as one immutable snapshot, so shared calendars are thread-safe.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

import holidays as holidays_pkg

__all__ = ["BusinessCalendar", "Segment"]

US = 1_000_000  # microseconds per second
DAY_US = 86_400 * US
_ONE_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_MAX_EMPTY_YEARS = 30  # give up after this many consecutive years without any open time

Windows = tuple[tuple[int, int], ...]  # (start, end) in microseconds since local midnight


def _clock_us(value: Any, *, is_end: bool) -> int:
    """A window boundary (``time`` or ``"HH:MM[:SS]"``; end may be None/"24:00") -> µs."""
    if is_end and (value is None or value == "24:00" or value == "24:00:00"):
        return DAY_US
    if isinstance(value, str):
        parts = value.split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            raise ValueError(f"invalid clock time {value!r}; expected 'HH:MM' or 'HH:MM:SS'")
        value = time(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) == 3 else 0)
    if not isinstance(value, time):
        raise TypeError(f"window boundary must be a datetime.time or 'HH:MM', not {value!r}")
    if value.tzinfo is not None:
        raise ValueError("window boundaries are local wall-clock times: no tzinfo allowed")
    return ((value.hour * 60 + value.minute) * 60 + value.second) * US + value.microsecond


def _parse_windows(windows: Iterable[Any], where: str) -> Windows:
    result: list[tuple[int, int]] = []
    for window in windows:
        try:
            start, end = window
        except (TypeError, ValueError):
            raise ValueError(f"{where}: a window is a (start, end) pair, got {window!r}") from None
        s, e = _clock_us(start, is_end=False), _clock_us(end, is_end=True)
        if s >= e:
            raise ValueError(
                f"{where}: window {start}-{end} must start before it ends "
                "(use None or '24:00' as end for midnight)"
            )
        if result and s < result[-1][1]:
            raise ValueError(f"{where}: windows must be sorted and must not overlap")
        result.append((s, e))
    return tuple(result)


def _as_date(value: Any) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"expected a datetime.date, got {value!r}")
    return value


def _holiday_source(spec: Any) -> Callable[[int], frozenset[date]]:
    """Normalise the ``holidays`` argument into ``year -> frozenset of dates``."""
    if spec is None:
        spec = "FR"
    if spec is False:
        return lambda year: frozenset()
    if isinstance(spec, str):
        code = spec
        return lambda year: frozenset(holidays_pkg.country_holidays(code, years=year))
    if isinstance(spec, holidays_pkg.HolidayBase):
        source = spec

        def from_holiday_base(year: int) -> frozenset[date]:
            _ = date(year, 1, 1) in source  # lets an expanding HolidayBase populate the year
            return frozenset(d for d in list(source) if d.year == year)

        return from_holiday_base
    fixed = frozenset(_as_date(d) for d in spec)
    return lambda year: fixed


def _to_us(instant: datetime) -> int:
    """Aware datetime -> exact integer microseconds since the Unix epoch."""
    if not isinstance(instant, datetime):
        raise TypeError(f"expected an aware datetime, got {instant!r}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant!r} refused: pass a timezone-aware datetime")
    micro = instant.microsecond
    return round(instant.timestamp() - micro / US) * US + micro


def _duration_us(duration: timedelta) -> int:
    if not isinstance(duration, timedelta):
        raise TypeError(f"duration must be a timedelta, got {duration!r}")
    if duration.days < 0:
        raise ValueError(f"duration must not be negative, got {duration!r}")
    return (duration.days * 86_400 + duration.seconds) * US + duration.microseconds


class _Snapshot(NamedTuple):
    lo: int  # covered range [lo, hi) in epoch µs = local years [y0, y1)
    hi: int
    y0: int
    y1: int
    starts: list[int]
    ends: list[int]
    cum: list[int]
    cumend: list[int]


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of open time ``[start, end)`` consumed by a deadline computation."""

    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        # Convert to UTC: subtracting datetimes sharing a tzinfo would use wall-clock time.
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)


class BusinessCalendar:
    """Weekly business hours in a time zone, minus holidays, plus per-date exceptions."""

    PRESETS: dict[str, dict[str, Any]] = {
        "standard": {"windows": {d: [("08:30", "12:30"), ("14:00", "18:00")] for d in range(5)}},
        "extended": {"windows": {d: [("07:00", "19:00")] for d in range(5)}},
        "24x7": {"windows": {d: [("00:00", None)] for d in range(7)}, "holidays": False},
    }

    def __init__(
        self,
        windows: Mapping[int, Iterable[Any]],
        holidays: Any = None,
        tz: str | tzinfo = "Europe/Paris",
        extra_closed_dates: Iterable[date] = (),
        reopened_dates: Iterable[date] = (),
        exceptions: Mapping[date, Iterable[Any]] | None = None,
        labels: Mapping[date, Any] | None = None,
    ) -> None:
        """``holidays``: None (French public holidays), False or an empty iterable (none), a
        country code such as ``"BE"``, a ``holidays.HolidayBase`` or an iterable of dates.
        ``labels``: an opaque note per date (why that day is special), returned by ``notes``."""
        weekly: list[Windows] = [()] * 7
        for weekday, day_windows in windows.items():
            if weekday not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {weekday!r}")
            weekly[weekday] = _parse_windows(day_windows, f"weekday {weekday}")
        self._weekly = tuple(weekly)
        self._exceptions = {
            _as_date(d): _parse_windows(w, f"exception {d}") for d, w in (exceptions or {}).items()
        }
        self._extra_closed = frozenset(_as_date(d) for d in extra_closed_dates)
        self._reopened = frozenset(_as_date(d) for d in reopened_dates)
        self._labels = {_as_date(d): note for d, note in (labels or {}).items()}
        self._holidays_for = _holiday_source(holidays)
        self._tz = ZoneInfo(tz) if isinstance(tz, str) else tz
        if not isinstance(self._tz, tzinfo):
            raise TypeError(f"tz must be an IANA zone name or a tzinfo, got {tz!r}")
        self._years: dict[int, list[tuple[int, int]]] = {}
        self._lock = threading.Lock()
        self._snap = _Snapshot(0, 0, 0, 0, [], [], [], [])

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> BusinessCalendar:
        """``"standard"``, ``"extended"`` or ``"24x7"``; keyword overrides go to ``__init__``."""
        try:
            options = dict(cls.PRESETS[str(name)])
        except KeyError:
            raise ValueError(f"unknown preset {name!r}; choose among {list(cls.PRESETS)}") from None
        options.update(overrides)
        return cls(**options)

    @property
    def tz(self) -> tzinfo:
        return self._tz

    def __repr__(self) -> str:
        return f"<BusinessCalendar tz={self._tz} weekly={self._weekly!r}>"

    # -- public API -------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which ``duration`` of open time has elapsed since ``start``."""
        return self._dt(self._add_us(_to_us(start), _duration_us(duration))[0])

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time in ``[start, end)``; zero when ``end <= start``."""
        a, b = _to_us(start), _to_us(end)
        if b <= a:
            return timedelta(0)
        snap = self._cover(a, b)
        return timedelta(microseconds=self._prefix(snap, b) - self._prefix(snap, a))

    def is_open(self, instant: datetime) -> bool:
        t = _to_us(instant)
        snap = self._cover(t, t)
        i = bisect_right(snap.starts, t) - 1
        return i >= 0 and t < snap.ends[i]

    def next_open(self, instant: datetime) -> datetime:
        """``instant`` itself when open, else the start of the next window."""
        t = _to_us(instant)
        snap, i = self._next_interval(t)
        return self._dt(max(t, snap.starts[i]))

    def explain(self, start: datetime, duration: timedelta) -> list[Segment]:
        """The open segments consumed by ``add(start, duration)``, in order (empty for a zero
        duration). Adjacent windows are merged: a 24x7 span is a single segment."""
        t, d = _to_us(start), _duration_us(duration)
        end, first, last, snap = self._add_us(t, d)
        if d == 0:
            return []
        return [
            Segment(self._dt(max(t, snap.starts[k])), self._dt(min(end, snap.ends[k])))
            for k in range(first, last + 1)
        ]

    def notes(self, start: datetime, end: datetime) -> list[tuple[date, Any]]:
        """The labelled dates (``labels``) from the local day of ``start`` to that of ``end``,
        in date order: what made the days a deadline computation crossed special."""
        if not self._labels:
            return []
        first = start.astimezone(self._tz).date()
        last = end.astimezone(self._tz).date()
        return sorted(
            ((d, note) for d, note in self._labels.items() if first <= d <= last),
            key=lambda item: item[0],
        )

    # -- hot path ---------------------------------------------------------------------------

    def _dt(self, t: int) -> datetime:
        seconds, micro = divmod(t, US)
        result = datetime.fromtimestamp(seconds, self._tz)
        return result.replace(microsecond=micro) if micro else result

    @staticmethod
    def _prefix(snap: _Snapshot, t: int) -> int:
        """Open time between the start of the covered range and ``t``."""
        i = bisect_right(snap.starts, t) - 1
        if i < 0:
            return 0
        end = snap.ends[i]
        return snap.cum[i] + (t if t < end else end) - snap.starts[i]

    def _add_us(self, t: int, d: int) -> tuple[int, int, int, _Snapshot]:
        """(result, index of first consumed interval, index of last one, snapshot used)."""
        snap = self._snap
        if not snap.lo <= t < snap.hi:
            snap = self._cover(t, t)
        last_growth = snap.y1
        while True:
            starts, cumend = snap.starts, snap.cumend
            i = bisect_right(starts, t) - 1
            if i >= 0 and t < snap.ends[i]:  # open: count from t
                p = snap.cum[i] + t - starts[i]
                first = i
            else:  # closed: count from the next opening
                p = cumend[i] if i >= 0 else 0
                first = i + 1
            target = p + d
            if first < len(starts) and target <= cumend[-1]:
                break
            snap, last_growth = self._grow(snap, target, last_growth)
        if d == 0:
            return max(t, starts[first]), first, first, snap
        j = bisect_left(cumend, target)
        return snap.ends[j] - (cumend[j] - target), first, j, snap

    # -- cache management -------------------------------------------------------------------

    def _next_interval(self, t: int) -> tuple[_Snapshot, int]:
        """Snapshot and index of the interval containing ``t`` or the next one."""
        snap = self._cover(t, t)
        last_growth = snap.y1
        while True:
            i = bisect_right(snap.starts, t) - 1
            if i >= 0 and t < snap.ends[i]:
                return snap, i
            if i + 1 < len(snap.starts):
                return snap, i + 1
            snap, last_growth = self._grow(snap, 0, last_growth)

    def _grow(self, snap: _Snapshot, target: int, last_growth: int) -> tuple[_Snapshot, int]:
        """Extend the covered range forward, enough years at once to reach ``target`` open
        time; give up after ``_MAX_EMPTY_YEARS`` years without any open time."""
        total = snap.cumend[-1] if snap.cumend else 0
        per_year = sum(b - a for a, b in self._year_intervals(snap.y1 - 1))
        years = min(50, max(1, -(-(target - total) // per_year) if per_year else 1))
        with self._lock:
            new = self._rebuild(self._snap.y0, max(self._snap.y1, snap.y1 + years))
        if (new.cumend[-1] if new.cumend else 0) > total:
            return new, new.y1
        if new.y1 - last_growth > _MAX_EMPTY_YEARS:
            raise ValueError("this calendar has no open time left after the given instant")
        return new, last_growth

    def _cover(self, a: int, b: int) -> _Snapshot:
        """A snapshot whose range contains the instants ``a <= b``."""
        snap = self._snap
        if snap.lo <= a and b < snap.hi:
            return snap
        with self._lock:
            snap = self._snap
            years = [datetime.fromtimestamp(x // US, self._tz).year for x in (a, b)]
            if snap.hi > snap.lo:
                years += [snap.y0, snap.y1 - 1]
            return self._rebuild(min(years), max(years) + 1)

    def _rebuild(self, y0: int, y1: int) -> _Snapshot:
        """Publish a snapshot covering local years [y0, y1) (caller holds the lock).

        Snapshots are never mutated: readers may keep using the previous one."""
        snap = self._snap
        if snap.hi > snap.lo and snap.y0 <= y0 and y1 <= snap.y1:
            return snap
        if snap.hi > snap.lo and snap.y0 == y0:  # forward extension: copy, then append
            starts, ends = list(snap.starts), list(snap.ends)
            cum, cumend = list(snap.cum), list(snap.cumend)
            years = range(snap.y1, y1)
        else:
            starts, ends, cum, cumend = [], [], [], []
            years = range(y0, y1)
        for year in years:
            for a, b in self._year_intervals(year):
                if ends and ends[-1] == a:  # merge across midnight / year end (e.g. 24x7)
                    ends[-1] = b
                    cumend[-1] += b - a
                else:
                    cum.append(cumend[-1] if cumend else 0)
                    cumend.append(cum[-1] + b - a)
                    starts.append(a)
                    ends.append(b)
        lo = self._local_to_us(date(y0, 1, 1), 0)
        hi = self._local_to_us(date(y1, 1, 1), 0)
        self._snap = _Snapshot(lo, hi, y0, y1, starts, ends, cum, cumend)
        return self._snap

    def _windows_on(self, day: date, holidays: frozenset[date]) -> Windows:
        windows = self._exceptions.get(day)
        if windows is not None:
            return windows
        if day in self._extra_closed or (day in holidays and day not in self._reopened):
            return ()
        return self._weekly[day.weekday()]

    def _year_intervals(self, year: int) -> list[tuple[int, int]]:
        """Sorted, merged, non-empty open intervals (epoch µs) of one local year, cached."""
        cached = self._years.get(year)
        if cached is not None:
            return cached
        holidays = self._holidays_for(year)
        out: list[tuple[int, int]] = []
        day, stop = date(year, 1, 1), date(year + 1, 1, 1)
        next_offset = self._offset_us(day)
        while day < stop:
            following = day + _ONE_DAY
            offset, next_offset = next_offset, self._offset_us(following)
            windows = self._windows_on(day, holidays)
            if windows:
                base = (day.toordinal() - _EPOCH_ORDINAL) * DAY_US
                for s, e in windows:
                    if offset == next_offset:  # no offset change that day (at most one per day)
                        a, b = base + s - offset, base + e - offset
                    else:
                        a, b = self._local_to_us(day, s), self._local_to_us(day, e)
                    if a >= b:
                        continue
                    if out and out[-1][1] >= a:
                        out[-1] = (out[-1][0], max(out[-1][1], b))
                    else:
                        out.append((a, b))
            day = following
        self._years[year] = out
        return out

    def _offset_us(self, day: date) -> int:
        """UTC offset at local midnight of ``day`` (first occurrence if ambiguous)."""
        # A zone (unlike a bare tzinfo) always has an offset.
        offset = cast(timedelta, self._tz.utcoffset(datetime(day.year, day.month, day.day)))
        return offset // _ONE_US

    def _local_to_us(self, day: date, local_us: int) -> int:
        """Local wall time -> epoch µs; ambiguous: first occurrence; non-existent: transition."""
        naive = datetime(day.year, day.month, day.day) + timedelta(microseconds=local_us)
        aware = naive.replace(tzinfo=self._tz)
        u0 = (aware - _EPOCH) // _ONE_US
        if aware.astimezone(UTC).astimezone(self._tz).replace(tzinfo=None) == naive:
            return u0
        u1 = (naive.replace(tzinfo=self._tz, fold=1) - _EPOCH) // _ONE_US
        lo, hi = min(u0, u1), max(u0, u1)  # the transition instant lies in (lo, hi]
        after = (_EPOCH + timedelta(microseconds=hi)).astimezone(self._tz).utcoffset()
        while lo < hi:  # smallest instant already using the post-transition offset
            mid = (lo + hi) // 2
            if (_EPOCH + timedelta(microseconds=mid)).astimezone(self._tz).utcoffset() == after:
                hi = mid
            else:
                lo = mid + 1
        return lo
