"""The per-technician iCalendar feed (RFC 5545) of on-call and backup stretches.

Worded in the active language: the calendar app's Accept-Language when it fetches the feed (the
project keeps no language preference for staff), else French.

The address carries a random secret token (``CalendarFeed``): calendar apps cannot log in.
Only its hash is stored, so the address is shown once, when it is created; creating a new
address revokes the previous one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oceanis import ical
from oceanis.tokens import hash_token, new_token
from staff.models import Technician

from .models import CalendarFeed
from .selectors import technician_shifts

PAST = timedelta(weeks=4)
AHEAD_WEEKS = 26
ROLE_SUMMARY = {
    "primary": gettext_lazy("Astreinte Oceanis"),
    "backup": gettext_lazy("Astreinte Oceanis (suppléant)"),
}


def feed_path(token: str) -> str:
    return reverse("oncall:ical_feed", args=[token])


def feed_rotate(technician: Technician) -> tuple[CalendarFeed, str]:
    """A new secret address for the technician, with its clear token (not stored: show it
    now); any previous address stops working."""
    token = new_token()
    with transaction.atomic():
        feed_revoke(technician)
        feed = CalendarFeed.objects.create(technician=technician, token_hash=hash_token(token))
    return feed, token


def feed_revoke(technician: Technician) -> int:
    return CalendarFeed.objects.filter(technician=technician, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def feed_for_token(token: str) -> CalendarFeed | None:
    """The current feed behind a token from a subscribed address, if it was not revoked."""
    return (
        CalendarFeed.objects.select_related("technician__user")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def feed_text(technician: Technician, *, now: datetime) -> str:
    """The VCALENDAR text of the technician's stretches from 4 weeks ago to 26 weeks ahead."""
    shifts = technician_shifts(technician, start=now - PAST, weeks=AHEAD_WEEKS + 4)
    events = []
    for role, segment, week in shifts:
        description = [_("Semaine %(number)d du roulement.") % {"number": week.index + 1}]
        if role == "primary" and week.backup is not None:
            description.append(_("Suppléant : %(name)s.") % {"name": segment.backup})
        if week.escalation_contact is not None:
            description.append(_("Escalade : %(name)s.") % {"name": week.escalation_contact})
        for override in segment.overrides:
            if override.reason:
                description.append(_("Remplacement : %(reason)s.") % {"reason": override.reason})
        events.append(
            ical.Event(
                uid=f"oncall-{week.index}-{role}-{_stamp(segment.starts_at)}-{technician.pk}"
                "@oceanis.fr",
                start=segment.starts_at,
                end=segment.ends_at,
                summary=str(ROLE_SUMMARY[role]),
                description=" ".join(description),
                transp="OPAQUE",
            )
        )
    return ical.calendar(
        events,
        name=_("Astreinte – %(name)s") % {"name": technician},
        now=now,
        product="Service Desk Astreinte",
    )
