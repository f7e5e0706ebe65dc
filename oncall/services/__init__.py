"""The on-call writes: the rotation's members and week swaps, coverage plans and contracts'
subscriptions to them (reads in ``oncall.selectors``); paging, re-paging, escalation and
acknowledgement in ``oncall.services.paging``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import time as dt_time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from calendars.models import ChangeAction
from calendars.services import calendar_change_record
from staff.models import Technician

from ..models import Rotation, RotationMember, WeekOverride
from ..plans import ContractCoverage, CoveragePlan, CoverageWindow
from ..selectors import local_instant, schedule


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


# -- coverage plans ---------------------------------------------------------------------------


def coverage_plan_save(
    *,
    plan: CoveragePlan,
    windows: Sequence[tuple[int, dt_time, dt_time]] | None = None,
    by=None,
) -> CoveragePlan:
    """Create or update a plan and, when given, replace its weekly windows (weekday, start,
    end; an end at 00:00 is midnight). Logged; calendars rebuilt at once."""
    plan.full_clean()
    rows = [
        CoverageWindow(plan=plan, weekday=d, start_time=s, end_time=e) for d, s, e in windows or ()
    ]
    for row in rows:
        row.full_clean(exclude=["plan"])
    for day in {row.weekday for row in rows}:
        spans = sorted(row.minutes for row in rows if row.weekday == day)
        if any(a[1] > b[0] for a, b in zip(spans, spans[1:], strict=False)):
            raise ValidationError(_("Deux plages du même jour se chevauchent."))
    with transaction.atomic():
        plan.save()
        if windows is not None:
            plan.windows.all().delete()
            CoverageWindow.objects.bulk_create(rows)
        calendar_change_record(
            action=ChangeAction.PLAN_SAVED,
            subject=plan.name,
            by=by,
            payload={
                "plan": plan.pk,
                "holidays_included": plan.holidays_included,
                "paging_urgencies": list(plan.paging_urgencies),
                "windows": [str(w) for w in plan.windows.all()],
            },
        )
    return plan


def contract_coverage_set(*, contract, plan: CoveragePlan | None, by=None) -> None:
    """Subscribe a contract to an on-call plan (None: unsubscribe); new tickets count on it."""
    with transaction.atomic():
        if plan is None:
            ContractCoverage.objects.filter(contract=contract).delete()
        else:
            ContractCoverage.objects.update_or_create(
                contract=contract,
                defaults={"plan": plan, "created_by": by if getattr(by, "pk", None) else None},
            )
        calendar_change_record(
            action=ChangeAction.COVERAGE_SET,
            subject=str(contract)[:200],
            by=by,
            payload={"contract": contract.pk, "plan": plan.pk if plan else None},
        )
