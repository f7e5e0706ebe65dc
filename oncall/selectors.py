"""Who is on call, when (the on-call reads; writes in ``oncall.services``): weeks of the
rotation, with week overrides and time-range replacements.

Weeks are counted in the rotation's local wall-clock time: week *i* starts on the handover
weekday at the handover time (08:30 Europe/Paris by default), *i* weeks after the start date,
and ends at the next handover. Each boundary is a local date + local time mapped to an instant,
so the handover stays at 08:30 local across DST changes (a week is then 167 h or 169 h) and
across year ends (the index is a plain day count, never an ISO week number).

Who holds the week: the member at ``index % len(members)``; the backup is the next member after
the on-call technician; the escalation contact is the rotation's. A ``WeekOverride`` replaces any
of them for its week (swap); an ``Override`` replaces the on-call technician or the backup for a
time range, the latest created winning when several overlap. Nothing is materialised: three
queries compute any span of weeks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db.models import Q
from django.utils import timezone

from staff.models import Technician

from .models import Override, OverrideRole, Rotation, RotationMember, WeekOverride

WEEK = timedelta(days=7)


def local_instant(day: date, clock: time, tz: tzinfo) -> datetime:
    """The instant a local wall clock reads ``clock`` on ``day``.

    An ambiguous time (the repeated autumn hour) is its first occurrence; a skipped time (the
    spring gap) is pushed forward by the gap, as clocks do.
    """
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC).astimezone(tz)


def first_handover_date(rotation: Rotation) -> date:
    """The rotation's start date, moved forward to its handover weekday if needed."""
    shift = (rotation.handover_weekday - rotation.start_date.weekday()) % 7
    return rotation.start_date + timedelta(days=shift)


def week_start_date(rotation: Rotation, at: datetime) -> date:
    """Local date of the handover that opened the week containing ``at``."""
    tz = rotation.tzinfo
    day = at.astimezone(tz).date()
    candidate = day - timedelta(days=(day.weekday() - rotation.handover_weekday) % 7)
    if at < local_instant(candidate, rotation.handover_time, tz):
        candidate -= WEEK
    return candidate


def week_index(rotation: Rotation, at: datetime) -> int:
    """Index of the week containing ``at`` (negative before the rotation starts)."""
    return (week_start_date(rotation, at) - first_handover_date(rotation)).days // 7


def week_bounds(rotation: Rotation, index: int) -> tuple[datetime, datetime]:
    """Start (inclusive) and end (exclusive) instants of week ``index``, in local time."""
    start_day = first_handover_date(rotation) + index * WEEK
    tz, clock = rotation.tzinfo, rotation.handover_time
    return local_instant(start_day, clock, tz), local_instant(start_day + WEEK, clock, tz)


@dataclass(frozen=True)
class Segment:
    """A stretch of a week during which the same people hold the roles."""

    starts_at: datetime
    ends_at: datetime
    primary: Technician | None
    backup: Technician | None
    overrides: tuple[Override, ...] = ()  # the replacements in force (primary and/or backup)


@dataclass(frozen=True)
class Week:
    """One week of the rotation, overrides applied."""

    index: int
    starts_at: datetime
    ends_at: datetime
    primary: Technician | None
    backup: Technician | None
    escalation_contact: Technician | None
    scheduled: Technician | None  # who the plain rotation gives, before any override
    week_override: WeekOverride | None = None
    overrides: tuple[Override, ...] = ()
    segments: tuple[Segment, ...] = field(default=())

    @property
    def duration(self) -> timedelta:
        return self.ends_at.astimezone(UTC) - self.starts_at.astimezone(UTC)

    def segment_at(self, at: datetime) -> Segment:
        for segment in self.segments:
            if segment.starts_at <= at < segment.ends_at:
                return segment
        raise ValueError(f"{at} is not in week {self.index}")


@dataclass(frozen=True)
class OnCall:
    """The answer to "who is on call at T"."""

    at: datetime
    rotation: Rotation
    week: Week
    primary: Technician | None
    backup: Technician | None
    escalation_contact: Technician | None
    overrides: tuple[Override, ...]


def active_rotation() -> Rotation | None:
    """The rotation paging uses (at most one is active)."""
    return (
        Rotation.objects.filter(is_active=True)
        .select_related("escalation_contact__user")
        .order_by("pk")
        .first()
    )


def members_of(rotation: Rotation) -> list[Technician]:
    rows = RotationMember.objects.filter(rotation=rotation).select_related("technician__user")
    return [row.technician for row in rows.order_by("position", "pk")]


def _default_backup(
    members: Sequence[Technician], index: int, primary: Technician | None
) -> Technician | None:
    """The member after the on-call technician (or after the scheduled slot), never the same."""
    if not members:
        return None
    ids = [m.pk for m in members]
    position = ids.index(primary.pk) if primary is not None and primary.pk in ids else index
    for k in range(1, len(members) + 1):
        candidate = members[(position + k) % len(members)]
        if primary is None or candidate.pk != primary.pk:
            return candidate
    return None


def _segments(week_start, week_end, primary, backup, overrides) -> tuple[Segment, ...]:
    """Split the week at every override boundary and apply the latest override per role."""
    points = {week_start, week_end}
    for o in overrides:
        points.update(p for p in (o.starts_at, o.ends_at) if week_start < p < week_end)
    ordered = sorted(points)
    latest_first = sorted(overrides, key=lambda o: (o.created_at, o.pk), reverse=True)
    segments: list[Segment] = []
    for start, end in zip(ordered, ordered[1:], strict=False):
        in_force = [o for o in latest_first if o.starts_at <= start and end <= o.ends_at]
        chosen = {}
        for o in in_force:
            chosen.setdefault(o.role, o)
        seg = Segment(
            starts_at=start,
            ends_at=end,
            primary=chosen[OverrideRole.PRIMARY].technician
            if OverrideRole.PRIMARY in chosen
            else primary,
            backup=chosen[OverrideRole.BACKUP].technician
            if OverrideRole.BACKUP in chosen
            else backup,
            overrides=tuple(chosen.values()),
        )
        previous = segments[-1] if segments else None
        if (
            previous
            and previous.primary == seg.primary
            and previous.backup == seg.backup
            and previous.overrides == seg.overrides
        ):
            segments[-1] = Segment(previous.starts_at, end, seg.primary, seg.backup, seg.overrides)
        else:
            segments.append(seg)
    return tuple(segments)


def schedule(rotation: Rotation, *, start: datetime | None = None, weeks: int = 12) -> list[Week]:
    """The ``weeks`` weeks from the one containing ``start`` (default now), overrides applied.

    Weeks before the rotation's start date are left out. Three queries whatever the span.
    """
    if weeks < 1:
        return []
    start = start or timezone.now()
    first = max(week_index(rotation, start), 0)
    indexes = range(first, first + weeks)
    bounds = {i: week_bounds(rotation, i) for i in indexes}
    span_start, span_end = bounds[indexes[0]][0], bounds[indexes[-1]][1]
    members = members_of(rotation)
    first_day = first_handover_date(rotation)
    week_overrides = {
        wo.week_start: wo
        for wo in WeekOverride.objects.filter(
            rotation=rotation,
            week_start__gte=first_day + first * WEEK,
            week_start__lt=first_day + (first + weeks) * WEEK,
        ).select_related("primary__user", "backup__user", "escalation_contact__user")
    }
    overrides = list(
        Override.objects.filter(
            rotation=rotation, starts_at__lt=span_end, ends_at__gt=span_start
        ).select_related("technician__user")
    )
    result = []
    for i in indexes:
        week_start, week_end = bounds[i]
        scheduled = members[i % len(members)] if members else None
        wo = week_overrides.get(first_day + i * WEEK)
        primary = (wo.primary if wo and wo.primary_id else None) or scheduled
        backup = (wo.backup if wo and wo.backup_id else None) or _default_backup(
            members, i, primary
        )
        escalation = (
            wo.escalation_contact if wo and wo.escalation_contact_id else None
        ) or rotation.escalation_contact
        in_week = tuple(o for o in overrides if o.starts_at < week_end and o.ends_at > week_start)
        result.append(
            Week(
                index=i,
                starts_at=week_start,
                ends_at=week_end,
                primary=primary,
                backup=backup,
                escalation_contact=escalation,
                scheduled=scheduled,
                week_override=wo,
                overrides=in_week,
                segments=_segments(week_start, week_end, primary, backup, in_week),
            )
        )
    return result


def on_call_at(at: datetime | None = None, rotation: Rotation | None = None) -> OnCall | None:
    """Who is on call at ``at`` (default now) on ``rotation`` (default the active one).

    None when there is no rotation or ``at`` precedes its first week.
    """
    at = at or timezone.now()
    rotation = rotation or active_rotation()
    if rotation is None or week_index(rotation, at) < 0:
        return None
    week = schedule(rotation, start=at, weeks=1)[0]
    segment = week.segment_at(at)
    return OnCall(
        at=at,
        rotation=rotation,
        week=week,
        primary=segment.primary,
        backup=segment.backup,
        escalation_contact=week.escalation_contact,
        overrides=segment.overrides,
    )


def technician_shifts(
    technician: Technician, *, start: datetime, weeks: int, rotation: Rotation | None = None
) -> list[tuple[str, Segment, Week]]:
    """The stretches where ``technician`` is on call ("primary") or backup ("backup")."""
    rotation = rotation or active_rotation()
    if rotation is None:
        return []
    shifts = []
    for week in schedule(rotation, start=start, weeks=weeks):
        for segment in week.segments:
            for role in ("primary", "backup"):
                holder = getattr(segment, role)
                if holder is not None and holder.pk == technician.pk:
                    shifts.append((role, segment, week))
    return _merge_shifts(shifts)


def _merge_shifts(shifts):
    """Join a role's consecutive stretches (e.g. across a week boundary) into one."""
    merged: list[tuple[str, Segment, Week]] = []
    for role, segment, week in shifts:
        for k in range(len(merged) - 1, -1, -1):
            prev_role, prev, prev_week = merged[k]
            if prev_role == role and prev.ends_at == segment.starts_at:
                joined = Segment(
                    prev.starts_at,
                    segment.ends_at,
                    segment.primary,
                    segment.backup,
                    prev.overrides + segment.overrides,
                )
                merged[k] = (role, joined, prev_week)
                break
        else:
            merged.append((role, segment, week))
    return merged


# -- coverage: which contracts the on-call service covers -------------------------------------


@dataclass(frozen=True)
class CoveredContract:
    contract: Any
    plan: Any  # CoveragePlan, or None for a 24x7 contract without a plan
    desk_open: bool  # inside the contract's subscribed (staffed) hours
    on_call_now: bool  # out of them, inside the on-call windows: a paging urgency pages now
    next_window: datetime | None  # when on-call cover next starts (not covered now)


def covered_contracts(at: datetime | None = None) -> list[CoveredContract]:
    """Contracts in force with on-call cover (a plan, or the 24x7 hours plan), and whether the
    on-call service covers them at ``at`` (two queries)."""
    from clients.models import Contract
    from sla.policy import HoursPlan, calendar_for, coverage_basis

    from .coverage import desk_plan
    from .plans import ContractCoverage

    at = at or timezone.now()
    today = timezone.localdate(at)
    in_force = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    subscribed = list(
        ContractCoverage.objects.filter(Q(contract__in=Contract.objects.filter(in_force)))
        .select_related("contract__client", "plan")
        .order_by("contract__client__name", "contract__name")
    )
    covered_ids = {c.contract_id for c in subscribed}
    always = (
        Contract.objects.filter(in_force, hours_plan=HoursPlan.ON_CALL)
        .exclude(pk__in=covered_ids)
        .select_related("client")
        .order_by("client__name", "name")
    )
    rows = []
    for contract, plan in [(c.contract, c.plan) for c in subscribed] + [(c, None) for c in always]:
        desk = desk_plan(contract.hours_plan)
        desk_open = calendar_for(desk).is_open(at)
        if plan is None:  # 24x7: on call whenever the desk is closed
            on_call, nxt = not desk_open, None
        else:
            covered = calendar_for(coverage_basis(plan.pk, desk))
            on_call = not desk_open and covered.is_open(at)
            nxt = None if on_call or desk_open else _next_window(covered, at)
        rows.append(CoveredContract(contract, plan, desk_open, on_call, nxt))
    rows.sort(key=lambda r: (not r.on_call_now, r.contract.client.name, r.contract.name))
    return rows


def _next_window(calendar, at: datetime) -> datetime | None:
    try:
        return calendar.next_open(at)
    except ValueError:  # a plan without any window
        return None
