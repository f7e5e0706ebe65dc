"""Property tests: sla.calendar against a minute-by-minute brute-force oracle.

Random calendars use windows on a 5-minute grid between 04:00 and 23:00 local time, so no
window touches a DST gap or overlap (those are covered by explicit cases in test_calendar.py);
starts and durations are whole minutes, which makes the minute-stepping oracle exact.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sla.calendar import BusinessCalendar

ZONES = ("Europe/Paris", "UTC", "America/New_York")
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2028, 12, 31)
MIN_MINUTE = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) // 60
MAX_MINUTE = int(datetime(2028, 12, 31, tzinfo=UTC).timestamp()) // 60
# DST changes in Paris and New York, 2026-2028: random starts cluster around them too.
DST_DAYS = [
    datetime(2026, 3, 8), datetime(2026, 3, 29), datetime(2026, 10, 25), datetime(2026, 11, 1),
    datetime(2027, 3, 14), datetime(2027, 3, 28), datetime(2027, 10, 31), datetime(2027, 11, 7),
    datetime(2028, 3, 12), datetime(2028, 3, 26), datetime(2028, 10, 29), datetime(2028, 11, 5),
]  # fmt: skip
DST_MINUTES = [int(d.replace(tzinfo=UTC).timestamp()) // 60 for d in DST_DAYS]
MAX_ORACLE_STEPS = 80 * 24 * 60  # 80 days of minutes
DEFAULT = settings(max_examples=150, deadline=None)


class TooLong(Exception):
    pass


def clock(minutes):
    return time(minutes // 60, minutes % 60)


day_windows = (
    st.lists(st.integers(48, 276).map(lambda k: 5 * k), max_size=6, unique=True)
    .map(lambda points: sorted(points)[: len(points) // 2 * 2])
    .map(lambda p: [(p[i], p[i + 1]) for i in range(0, len(p), 2)])
)  # list of (start, end) minute-of-day pairs, sorted, disjoint, within 04:00-23:00
dates = st.dates(FIRST_DAY, LAST_DAY)


@st.composite
def calendar_specs(draw):
    weekly = {d: draw(day_windows) for d in range(7)}
    if not any(weekly.values()):
        weekly[draw(st.integers(0, 6))] = [(9 * 60, 17 * 60)]
    return {
        "tz": draw(st.sampled_from(ZONES)),
        "weekly": weekly,
        "holidays": draw(st.sets(dates, max_size=15)),
        "exceptions": draw(st.dictionaries(dates, day_windows, max_size=6)),
        "closed": draw(st.sets(dates, max_size=4)),
        "reopened": draw(st.sets(dates, max_size=4)),
    }


def build(spec):
    def as_times(windows):
        return [(clock(s), clock(e)) for s, e in windows]

    return BusinessCalendar(
        {d: as_times(w) for d, w in spec["weekly"].items()},
        holidays=spec["holidays"],
        tz=spec["tz"],
        extra_closed_dates=spec["closed"],
        reopened_dates=spec["reopened"],
        exceptions={d: as_times(w) for d, w in spec["exceptions"].items()},
    )


class Oracle:
    """Steps over UTC minutes; a minute is open iff its local wall-clock minute is in a window."""

    def __init__(self, spec, closed_dates=None):
        self.tz = ZoneInfo(spec["tz"])
        self.spec = spec
        self.holidays = closed_dates if closed_dates is not None else spec["holidays"]
        self.offsets = {}  # UTC hour -> offset in minutes (offsets change on whole UTC hours)
        self.masks = {}  # local day ordinal -> bytearray(1440)

    def mask(self, ordinal):
        day = date.fromordinal(ordinal)
        spec = self.spec
        if day in spec["exceptions"]:
            windows = spec["exceptions"][day]
        elif day in spec["closed"] or (day in self.holidays and day not in spec["reopened"]):
            windows = []
        else:
            windows = spec["weekly"][day.weekday()]
        mask = bytearray(1440)
        for s, e in windows:
            mask[s:e] = b"\1" * (e - s)
        return mask

    def is_open(self, minute):
        hour = minute // 60
        offset = self.offsets.get(hour)
        if offset is None:
            moment = datetime.fromtimestamp(hour * 3600, UTC).astimezone(self.tz)
            offset = self.offsets[hour] = int(moment.utcoffset().total_seconds()) // 60
        local = minute + offset
        ordinal = local // 1440 + date(1970, 1, 1).toordinal()
        mask = self.masks.get(ordinal)
        if mask is None:
            mask = self.masks[ordinal] = self.mask(ordinal)
        return mask[local % 1440]

    def add(self, start, minutes):
        """UTC minute at which ``minutes`` open minutes have elapsed from ``start``."""
        for step in range(MAX_ORACLE_STEPS):
            m = start + step
            if self.is_open(m):
                if minutes == 0:
                    return m
                minutes -= 1
                if minutes == 0:
                    return m + 1
        raise TooLong

    def elapsed(self, start, end):
        return sum(1 for m in range(start, end) if self.is_open(m))


def dt(minute):
    return datetime.fromtimestamp(minute * 60, UTC)


starts = st.one_of(
    st.integers(MIN_MINUTE, MAX_MINUTE),
    st.builds(
        lambda base, delta: base + delta, st.sampled_from(DST_MINUTES), st.integers(-4320, 4320)
    ),
)
durations = st.integers(0, 14 * 24 * 60)


def weekly_open(spec):
    return sum(e - s for windows in spec["weekly"].values() for s, e in windows)


@DEFAULT
@given(calendar_specs(), starts, durations)
def test_add_matches_minute_by_minute_oracle(spec, start, minutes):
    minutes = min(minutes, 2 * weekly_open(spec))  # keeps the oracle within a few weeks
    oracle = Oracle(spec)
    try:
        expected = oracle.add(start, minutes)
    except TooLong:
        assume(False)
    result = build(spec).add(dt(start), timedelta(minutes=minutes))
    assert result == dt(expected)
    assert result.tzinfo == ZoneInfo(spec["tz"])


@DEFAULT
@given(calendar_specs(), starts, st.integers(-60, 40 * 24 * 60))
def test_elapsed_matches_minute_by_minute_oracle(spec, start, length):
    cal = build(spec)
    expected = Oracle(spec).elapsed(start, start + length)
    assert cal.elapsed(dt(start), dt(start + length)) == timedelta(minutes=expected)


@DEFAULT
@given(calendar_specs(), st.integers(MIN_MINUTE, MAX_MINUTE))
def test_is_open_and_next_open_match_oracle(spec, minute):
    cal, oracle = build(spec), Oracle(spec)
    assert cal.is_open(dt(minute)) == bool(oracle.is_open(minute))
    try:
        expected = oracle.add(minute, 0)
    except TooLong:
        assume(False)
    assert cal.next_open(dt(minute)) == dt(expected)


STANDARD_SPEC = {
    "tz": "Europe/Paris",
    "weekly": {d: [(510, 750), (840, 1080)] for d in range(5)} | {5: [], 6: []},
    "holidays": set(),
    "exceptions": {},
    "closed": set(),
    "reopened": set(),
}
FRENCH_HOLIDAYS = set(holidays.country_holidays("FR", years=range(2026, 2030)))
STANDARD = BusinessCalendar.preset("standard")


@DEFAULT
@given(starts, st.integers(0, 80 * 60))
def test_standard_preset_with_french_holidays_matches_oracle(start, minutes):
    expected = Oracle(STANDARD_SPEC, closed_dates=FRENCH_HOLIDAYS).add(start, minutes)
    assert STANDARD.add(dt(start), timedelta(minutes=minutes)) == dt(expected)


# Arbitrary instants (microseconds, any zone) and durations: no oracle needed.
instants = st.datetimes(
    datetime(2026, 1, 1),
    datetime(2029, 12, 31),
    timezones=st.sampled_from([ZoneInfo(z) for z in ZONES]),
)
micro_durations = st.timedeltas(timedelta(0), timedelta(days=60))


def cap(spec, duration):
    """At most ~3 weeks of real time, so sparse random calendars stay cheap."""
    return min(duration, timedelta(minutes=3 * weekly_open(spec)))


@settings(max_examples=300, deadline=None)
@given(calendar_specs(), instants, micro_durations)
def test_elapsed_of_add_gives_back_the_duration(spec, start, duration):
    cal, duration = build(spec), cap(spec, duration)
    assert cal.elapsed(start, cal.add(start, duration)) == duration


@settings(max_examples=300, deadline=None)
@given(calendar_specs(), instants, micro_durations, micro_durations)
def test_add_is_monotonic_in_duration(spec, start, d1, d2):
    cal = build(spec)
    low, high = sorted((cap(spec, d1), cap(spec, d2)))
    # Compare in UTC: datetimes sharing a tzinfo compare by wall-clock time.
    assert cal.add(start, low).astimezone(UTC) <= cal.add(start, high).astimezone(UTC)
    assert cal.add(start, low).astimezone(UTC) >= cal.next_open(start).astimezone(UTC)


@settings(max_examples=300, deadline=None)
@given(instants, micro_durations)
def test_24x7_adds_real_time_even_across_dst(start, duration):
    cal = BusinessCalendar.preset("24x7")
    assert cal.add(start, duration).astimezone(UTC) == start.astimezone(UTC) + duration
