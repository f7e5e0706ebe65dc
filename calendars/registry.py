"""The GTI calendars as the centre declared them: presets plus exceptions, plus on-call plans.

Installed as ``sla.policy``'s calendar provider (``apps.py``). Calendars are built once per
(basis, generation) and shared: building one costs a few milliseconds, reading one nothing.

Staleness, across processes: every change writes a ``CalendarChange`` row and calls ``bump``,
which stores a new token in Django's cache, at once and again after commit. Each call compares
the token (a dictionary lookup per process with the default local-memory cache, one Redis GET
with ``CACHE_URL``); with a per-process cache, whose token other processes cannot see, the
highest ``CalendarChange`` id is also read at most every ``CALENDARS_RECHECK_SECONDS``.

Frozen deadlines: an exception applies to the tickets created after it was entered.
``calendar(basis, as_of)`` rebuilds the calendar in force at ``as_of`` from the exceptions'
``created_at``/``withdrawn_at`` (a "generation": how many changes happened by then), so a
ticket's consumed time and explanation stay those of the deadline stored on it.
"""

from __future__ import annotations

import threading
import time
import uuid
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime

import holidays as holidays_pkg
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone

from sla.calendar import BusinessCalendar
from sla.policy import Coverage, split_basis

from .models import DESK_CALENDARS, CalendarChange, CalendarException, ExceptionKind

CACHE_KEY = "oceanis:calendars:token"
TOKEN_READ_SECONDS = 1.0
DAY = 24 * 60
Minutes = tuple[tuple[int, int], ...]  # sorted, disjoint [start, end) minutes of a local day
# Years for which a plan covering public holidays lists them (holidays get the plan's hours).
HOLIDAY_YEARS_BACK, HOLIDAY_YEARS_AHEAD = 3, 12


@dataclass(frozen=True)
class Entry:
    pk: int
    kind: str
    day: date
    start: int | None
    end: int | None
    calendar: str
    label: str
    created_at: datetime
    withdrawn_at: datetime | None

    def active_at(self, instant: datetime) -> bool:
        return self.created_at <= instant and (
            self.withdrawn_at is None or self.withdrawn_at > instant
        )


@dataclass(frozen=True)
class PlanSpec:
    """An on-call plan's weekly windows (0 = Monday) and whether public holidays are covered."""

    name: str
    windows: dict[int, Minutes]
    holidays_included: bool


PlanLoader = Callable[[], tuple[dict[int, PlanSpec], dict[int, Coverage]]]
_loaders: dict[str, PlanLoader] = {}


def set_plan_loader(loader: PlanLoader) -> None:
    """``loader()`` → (plans by id, coverage by contract id); installed by ``oncall``."""
    _loaders["plans"] = loader


@dataclass
class _State:
    token: object
    version: int
    checked: float  # when the database version was last compared (per-process cache only)
    token_read: float = 0.0
    entries: tuple[Entry, ...] = ()
    instants: list[datetime] = field(default_factory=list)
    plans: dict[int, PlanSpec] = field(default_factory=dict)
    contracts: dict[int, Coverage] = field(default_factory=dict)
    built: dict[tuple[str, int], BusinessCalendar] = field(default_factory=dict)


_lock = threading.Lock()
_current: list[_State | None] = [None]


# -- public ------------------------------------------------------------------------------------


def calendar(basis: str, as_of: datetime | None = None) -> BusinessCalendar:
    """The calendar of a GTI basis (preset or ``oc<plan>:<preset>``) in force at ``as_of``."""
    state = _state()
    generation = len(state.instants) if as_of is None else bisect_right(state.instants, as_of)
    key = (basis, generation)
    built = state.built.get(key)
    if built is None:
        built = _build(state, basis, generation)
        state.built[key] = built
    return built


def coverage(contract_id: int) -> Coverage | None:
    return _state().contracts.get(contract_id)


def plan(plan_id: int) -> PlanSpec | None:
    return _state().plans.get(plan_id)


def paging_urgencies() -> frozenset[str]:
    """Every urgency some contract's plan pages for."""
    return frozenset(u for c in _state().contracts.values() for u in c.urgencies)


def bump() -> None:
    """Calendar data changed: this process reloads now, the others once it is committed."""
    _publish()
    transaction.on_commit(_publish)


def reset(*, empty: bool = False) -> None:
    """Forget what was loaded. ``empty``: start from no exceptions and no plans without asking
    the database (a test's fresh database)."""
    with _lock:
        _current[0] = (
            _State(token=cache.get(CACHE_KEY), version=0, checked=time.monotonic(), token_read=0.0)
            if empty
            else None
        )


# -- loading -----------------------------------------------------------------------------------


def _publish() -> None:
    cache.set(CACHE_KEY, uuid.uuid4().hex, None)
    with _lock:
        _current[0] = None


def _shared_cache() -> bool:
    return not settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def _state() -> _State:
    state = _current[0]
    now = time.monotonic()
    # The token is read at most once a second: a list page asks for hundreds of calendars.
    if state is not None and now - state.token_read < TOKEN_READ_SECONDS:
        return state
    token = cache.get(CACHE_KEY)
    # No token (a cleared cache) says nothing new: keep what was loaded.
    if state is not None and (token is None or state.token == token):
        state.token_read = now
        if _shared_cache():
            return state
        recheck = getattr(settings, "CALENDARS_RECHECK_SECONDS", 30)
        if now - state.checked < recheck:
            return state
        try:
            unchanged = _version() == state.version
        except DatabaseError:
            unchanged = True
        if unchanged:
            state.checked = now
            return state
    with _lock:
        state = _load(token)
        _current[0] = state
    return state


def _version() -> int:
    return CalendarChange.objects.aggregate(v=Max("pk"))["v"] or 0


def _load(token: object) -> _State:
    try:
        with transaction.atomic():
            version = _version()
            rows = list(CalendarException.objects.order_by("day", "created_at", "pk"))
            plans, contracts = _loaders["plans"]() if "plans" in _loaders else ({}, {})
    except DatabaseError:  # tables not migrated yet: presets only, and try again next time
        return _State(token=object(), version=-1, checked=time.monotonic())
    entries = tuple(_entry(row) for row in rows)
    instants = sorted(
        {e.created_at for e in entries}
        | {e.withdrawn_at for e in entries if e.withdrawn_at is not None}
    )
    now = time.monotonic()
    return _State(token, version, now, now, entries, instants, plans, contracts)


def _minutes(value: dtime | None) -> int | None:
    return None if value is None else value.hour * 60 + value.minute


def _entry(row: CalendarException) -> Entry:
    end = _minutes(row.end_time)
    return Entry(
        pk=row.pk,
        kind=row.kind,
        day=row.day,
        start=_minutes(row.start_time),
        end=DAY if end == 0 else end,
        calendar=row.calendar,
        label=row.label,
        created_at=row.created_at,
        withdrawn_at=row.withdrawn_at,
    )


# -- building ----------------------------------------------------------------------------------


def merge(*days: Iterable[tuple[int, int]]) -> Minutes:
    """The union of several days' windows, sorted and merged."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(w for day in days for w in day):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def subtract(windows: Minutes, start: int, end: int) -> Minutes:
    out: list[tuple[int, int]] = []
    for a, b in windows:
        if b <= start or a >= end:
            out.append((a, b))
            continue
        if a < start:
            out.append((a, start))
        if b > end:
            out.append((end, b))
    return tuple(out)


def _clock(minutes: int) -> str | None:
    return None if minutes >= DAY else f"{minutes // 60:02d}:{minutes % 60:02d}"


def _as_windows(day: Minutes) -> list[tuple[str, str | None]]:
    return [(f"{a // 60:02d}:{a % 60:02d}", _clock(b)) for a, b in day]


def preset_week(preset: str) -> tuple[tuple[Minutes, ...], bool]:
    """A preset's windows per weekday in minutes, and whether public holidays close it."""
    spec = BusinessCalendar.PRESETS[preset]
    week: list[Minutes] = [()] * 7
    for weekday, windows in spec["windows"].items():
        week[weekday] = tuple(
            (_parse(a), DAY if b in (None, "24:00") else _parse(b)) for a, b in windows
        )
    return tuple(week), spec.get("holidays", None) is not False


def _parse(value: str) -> int:
    hours, minutes = value.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _desk_day(day: date, base: Minutes, usual: Minutes, holiday: bool, entries: list[Entry]):
    """The desk's windows on ``day`` after its exceptions, applied in the order entered."""
    windows = base
    for e in entries:
        span = (e.start, e.end) if e.start is not None and e.end is not None else None
        if e.kind == ExceptionKind.CLOSURE:
            windows = subtract(windows, *span) if span else ()
        elif e.kind == ExceptionKind.REOPENING:
            windows = merge(windows, (span,) if span else (usual if holiday else ()))
        elif span:  # special hours
            windows = (span,)
    return windows


def _build(state: _State, basis: str, generation: int) -> BusinessCalendar:
    plan_id, preset = split_basis(basis)
    week, closes_on_holidays = preset_week(preset)
    instant = state.instants[generation - 1] if generation else None
    entries = [
        e
        for e in state.entries
        if instant is not None
        and e.active_at(instant)
        and (e.calendar == preset or (not e.calendar and preset in DESK_CALENDARS))
    ]
    plan_spec = None if plan_id is None else state.plans.get(plan_id)
    if plan_id is not None and plan_spec is None:  # plan deleted: its tickets keep the desk hours
        plan_spec = PlanSpec("", {}, False)
    extra = plan_spec.windows if plan_spec else {}

    fr = holidays_pkg.country_holidays("FR")
    exceptions: dict[date, list] = {}
    labels: dict[date, tuple[tuple[str, str], ...]] = {}
    by_day: dict[date, list[Entry]] = {}
    for e in entries:
        by_day.setdefault(e.day, []).append(e)
    for day, group in by_day.items():
        holiday = closes_on_holidays and day in fr
        usual = week[day.weekday()]
        desk = _desk_day(day, () if holiday else usual, usual, holiday, group)
        covers_day = plan_spec is not None and (not holiday or plan_spec.holidays_included)
        on_call = extra.get(day.weekday(), ()) if covers_day else ()
        exceptions[day] = _as_windows(merge(desk, on_call))
        labels[day] = tuple((e.kind, e.label) for e in group)

    if plan_spec is None:
        return BusinessCalendar(
            windows={d: _as_windows(w) for d, w in enumerate(week)},
            holidays=None if closes_on_holidays else False,
            exceptions=exceptions,
            labels=labels,
        )
    union = {d: _as_windows(merge(week[d], extra.get(d, ()))) for d in range(7)}
    if closes_on_holidays and plan_spec.holidays_included:
        # A holiday closes the desk but not the on-call service: the plan's hours only.
        this_year = timezone.localdate().year
        years = range(this_year - HOLIDAY_YEARS_BACK, this_year + HOLIDAY_YEARS_AHEAD)
        for day in holidays_pkg.country_holidays("FR", years=years):
            exceptions.setdefault(day, _as_windows(extra.get(day.weekday(), ())))
        return BusinessCalendar(windows=union, holidays=False, exceptions=exceptions, labels=labels)
    return BusinessCalendar(
        windows=union,
        holidays=None if closes_on_holidays else False,
        exceptions=exceptions,
        labels=labels,
    )
