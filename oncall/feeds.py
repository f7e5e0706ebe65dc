"""The per-technician iCalendar feed (RFC 5545) of on-call and backup stretches.

The address carries a random secret token (``CalendarFeed``): calendar apps cannot log in.
Creating a new address revokes the previous one. Times are written in UTC, so a DST change
needs no VTIMEZONE.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from staff.models import Technician

from .models import CalendarFeed
from .rotation import technician_shifts

PAST = timedelta(weeks=4)
AHEAD_WEEKS = 26
CRLF = "\r\n"


def feed_path(feed: CalendarFeed) -> str:
    return reverse("oncall:ical_feed", args=[feed.token])


def feed_rotate(technician: Technician) -> CalendarFeed:
    """A new secret address for the technician; any previous one stops working."""
    with transaction.atomic():
        feed_revoke(technician)
        return CalendarFeed.objects.create(technician=technician)


def feed_revoke(technician: Technician) -> int:
    return CalendarFeed.objects.filter(technician=technician, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def escape_text(value: str) -> str:
    """TEXT escaping (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character (§3.1)."""
    parts, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74
        current.append(char)
        size += width
    parts.append("".join(current))
    return (CRLF + " ").join(parts)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


ROLE_SUMMARY = {"primary": "Astreinte Oceanis", "backup": "Astreinte Oceanis (suppléant)"}


def feed_text(technician: Technician, *, now: datetime) -> str:
    """The VCALENDAR text of the technician's stretches from 4 weeks ago to 26 weeks ahead."""
    shifts = technician_shifts(technician, start=now - PAST, weeks=AHEAD_WEEKS + 4)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Oceanis//Service Desk Astreinte//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        fold(f"X-WR-CALNAME:{escape_text(f'Astreinte – {technician}')}"),
    ]
    for role, segment, week in shifts:
        description = [f"Semaine {week.index + 1} du roulement."]
        if role == "primary" and week.backup is not None:
            description.append(f"Suppléant : {segment.backup}.")
        if week.escalation_contact is not None:
            description.append(f"Escalade : {week.escalation_contact}.")
        for override in segment.overrides:
            if override.reason:
                description.append(f"Remplacement : {override.reason}.")
        lines += [
            "BEGIN:VEVENT",
            f"UID:oncall-{week.index}-{role}-{_stamp(segment.starts_at)}-{technician.pk}"
            "@oceanis.fr",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(segment.starts_at)}",
            f"DTEND:{_stamp(segment.ends_at)}",
            fold(f"SUMMARY:{escape_text(ROLE_SUMMARY[role])}"),
            fold(f"DESCRIPTION:{escape_text(' '.join(description))}"),
            "TRANSP:OPAQUE",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return CRLF.join(lines) + CRLF
