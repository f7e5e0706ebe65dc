"""The on-call writes: the rotation's members and week swaps (reads in ``oncall.selectors``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import transaction

from staff.models import Technician

from .models import Rotation, RotationMember, WeekOverride
from .selectors import local_instant, schedule


def rotation_set_members(*, rotation: Rotation, technicians: Sequence[Technician]) -> None:
    """Replace the rotation's ordered members (positions 1..n)."""
    ids = [t.pk for t in technicians]
    if len(set(ids)) != len(ids):
        raise ValueError("a technician appears twice in the rotation")
    with transaction.atomic():
        RotationMember.objects.filter(rotation=rotation).delete()
        RotationMember.objects.bulk_create(
            RotationMember(rotation=rotation, technician=t, position=n)
            for n, t in enumerate(technicians, start=1)
        )


def rotation_swap_weeks(
    *, rotation: Rotation, first: date, second: date, by=None, reason: str = ""
) -> tuple[WeekOverride, WeekOverride]:
    """Swap the on-call technicians of two weeks (each given by its handover date)."""
    weeks = {}
    for day in (first, second):
        at = local_instant(day, rotation.handover_time, rotation.tzinfo)
        weeks[day] = schedule(rotation, start=at, weeks=1)[0]
    pairs = ((first, weeks[second].primary), (second, weeks[first].primary))
    saved = []
    with transaction.atomic():
        for day, primary in pairs:
            wo = WeekOverride.objects.filter(rotation=rotation, week_start=day).first()
            wo = wo or WeekOverride(rotation=rotation, week_start=day, created_by=by)
            wo.primary = primary
            wo.reason = reason or wo.reason
            wo.full_clean()
            wo.save()
            saved.append(wo)
    return saved[0], saved[1]
