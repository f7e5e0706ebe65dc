"""Calendar reads: the exceptions to come and past, and the audit log."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from .models import CalendarChange, CalendarException


def upcoming_exceptions(*, since: date) -> QuerySet[CalendarException]:
    """Exceptions in force from ``since`` on, soonest first."""
    return CalendarException.objects.filter(
        withdrawn_at__isnull=True, day__gte=since
    ).select_related("created_by")


def recent_changes(*, limit: int = 30) -> QuerySet[CalendarChange]:
    return CalendarChange.objects.select_related("by").order_by("-at", "-pk")[:limit]
