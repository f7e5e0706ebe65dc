"""Calendar writes: exceptions entered and withdrawn, and the audit row of every change (also
written by ``oncall`` for its coverage plans). Each change makes the cached calendars stale."""

from __future__ import annotations

from datetime import date, datetime
from datetime import time as dtime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oceanis.transitions import lock_for_update

from . import registry
from .models import CalendarChange, CalendarException, ChangeAction


def calendar_change_record(
    *, action: str, subject: str, by=None, payload: dict[str, Any] | None = None, at=None
) -> CalendarChange:
    """Log a change to calendar data and make every process rebuild its calendars."""
    change = CalendarChange.objects.create(
        action=ChangeAction(action),
        subject=subject[:200],
        by=by if getattr(by, "is_authenticated", False) else None,
        payload=payload or {},
        at=at or timezone.now(),
    )
    registry.bump()
    return change


def _describe(exception: CalendarException) -> dict[str, Any]:
    return {
        "id": exception.pk,
        "kind": exception.kind,
        "day": exception.day.isoformat(),
        "start_time": exception.start_time.isoformat("minutes") if exception.start_time else None,
        "end_time": exception.end_time.isoformat("minutes") if exception.end_time else None,
        "calendar": exception.calendar,
        "label": exception.label,
    }


def calendar_exception_add(
    *,
    kind: str,
    day: date,
    label: str,
    by=None,
    calendar: str = "",
    start_time: dtime | None = None,
    end_time: dtime | None = None,
    at: datetime | None = None,
) -> CalendarException:
    """Enter a closure, re-opening or special hours; tickets created from now on count on it."""
    at = at or timezone.now()
    exception = CalendarException(
        kind=kind,
        day=day,
        label=(label or "").strip(),
        calendar=calendar or "",
        start_time=start_time,
        end_time=end_time,
        created_at=at,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    exception.full_clean()
    with transaction.atomic():
        exception.save()
        calendar_change_record(
            action=ChangeAction.EXCEPTION_ADDED,
            subject=str(exception),
            by=by,
            payload=_describe(exception),
            at=at,
        )
    return exception


def calendar_exception_withdraw(
    *, exception: CalendarException, by=None, at: datetime | None = None
) -> CalendarException:
    """Withdraw an exception (kept, stamped: tickets created meanwhile keep their calendar)."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = lock_for_update(exception)
        if locked.withdrawn_at is not None:
            raise ValidationError(_("Cette exception est déjà retirée."))
        locked.withdrawn_at = at
        locked.withdrawn_by = by if getattr(by, "is_authenticated", False) else None
        locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
        calendar_change_record(
            action=ChangeAction.EXCEPTION_WITHDRAWN,
            subject=str(locked),
            by=by,
            payload=_describe(locked),
            at=at,
        )
    return locked
