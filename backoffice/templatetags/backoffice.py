"""Template helpers for the back-office: durations, roles, countdown attributes."""

from __future__ import annotations

from datetime import timedelta

from django import template

from sla.calendar import format_duration

from ..access import user_is_manager

register = template.Library()


@register.filter
def hm(value: timedelta | None) -> str:
    """A duration as "3 h 30" / "45 min"; an em dash when unknown."""
    if value is None:
        return "—"
    return format_duration(value)


@register.filter
def minutes_hm(value: int | None) -> str:
    """A number of minutes as "1 h 15"."""
    if not value:
        return "0 min"
    return format_duration(timedelta(minutes=value))


@register.filter
def can_dispatch(request) -> bool:
    """The current user is the centre manager or the deputy."""
    return user_is_manager(request)
