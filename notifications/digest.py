"""The 17:00 daily follow-up mail ("message de suivi"): one per ticket with public activity.

The digest of day D covers the 24 hours of Paris wall-clock time ending at D 17:00, i.e.
[D-1 17:00, D 17:00) Europe/Paris — 23 or 25 real hours on the days clocks change. Closing the
window at the send time (rather than at midnight) means activity logged after 17:00 appears in
the next day's digest instead of in none.

A day's digest is planned as outbox rows once (``DigestDay`` marks it): by the 17:00 task, or by
the outbox sweeper when that run was missed, up to ``NOTIFICATIONS_DIGEST_MAX_AGE_DAYS`` after
the day's 17:00 (an older digest would report stale news; the command can still send it).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clients.models import split_emails
from tickets.models import EventKind, Ticket, TicketEvent

from . import emails
from .models import DigestDay, Notification, NotificationKind
from .recipients import client_recipients, contact_languages, watching_contacts

PARIS = ZoneInfo("Europe/Paris")
DIGEST_TIME = dt.time(17, 0)
# Public kinds only ever; notes are internal by construction, warnings are staff business.
EXCLUDED_KINDS = (EventKind.NOTE, EventKind.SLA_WARNING)


def digest_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[day-1 17:00, day 17:00) Paris time, as UTC instants."""
    end = dt.datetime.combine(day, DIGEST_TIME, PARIS)
    start = dt.datetime.combine(day - dt.timedelta(days=1), DIGEST_TIME, PARIS)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def digest_day(now: dt.datetime | None = None) -> dt.date:
    """The digest a run at ``now`` sends: today's in Paris (the beat runs it at 17:00)."""
    return timezone.localtime(now or timezone.now(), PARIS).date()


def public_events(day: dt.date):
    start, end = digest_window(day)
    return TicketEvent.objects.filter(public=True, at__gte=start, at__lt=end).exclude(
        kind__in=EXCLUDED_KINDS
    )


def plan_digests(day: dt.date, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Create the digest rows of ``day`` (idempotent) and return the pairs to deliver.

    Queries do not grow with the number of tickets: tickets with their client/contract in one,
    the extra recipients' languages in one, the watching contacts in one, the rows in one bulk
    insert.
    """
    now = now or timezone.now()
    ticket_ids = public_events(day).values_list("ticket_id", flat=True).distinct()
    tickets = list(
        Ticket.objects.filter(pk__in=ticket_ids)
        .select_related("client", "contact", "contract")
        .order_by("pk")
    )
    addresses = []
    for ticket in tickets:
        addresses += _declared(ticket)
    languages = contact_languages({t.client_id for t in tickets}, addresses)
    watchers = watching_contacts(tickets)
    rows = []
    for ticket in tickets:
        for person in client_recipients(ticket, languages, watchers.get(ticket.pk, [])):
            rows.append(
                Notification(
                    ticket=ticket,
                    digest_date=day,
                    kind=NotificationKind.DIGEST,
                    audience=person.audience,
                    recipient=person.email,
                    language=person.language,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return sorted({(row.ticket_id, row.recipient) for row in rows})


def plan_day(day: dt.date, now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Plan ``day``'s digest rows and mark the day planned (idempotent, race-safe: the rows have
    unique keys and the mark is inserted once)."""
    pairs = plan_digests(day, now)
    DigestDay.objects.bulk_create(
        [DigestDay(day=day, planned_at=now or timezone.now(), rows=len(pairs))],
        ignore_conflicts=True,
    )
    return pairs


def missed_days(now: dt.datetime) -> list[dt.date]:
    """Days whose 17:00 has passed, not older than the catch-up limit, never planned."""
    max_age = dt.timedelta(days=settings.NOTIFICATIONS_DIGEST_MAX_AGE_DAYS)
    today = digest_day(now)
    candidates = [
        day
        for day in (today - dt.timedelta(days=n) for n in range(max_age.days + 1))
        if dt.timedelta(0) <= now - digest_window(day)[1] <= max_age
    ]
    if not candidates:
        return []
    planned = set(DigestDay.objects.filter(day__in=candidates).values_list("day", flat=True))
    return sorted(day for day in candidates if day not in planned)


def plan_missed_digests(now: dt.datetime) -> list[dt.date]:
    """The sweeper's catch-up: plan the digests a missed 17:00 run did not; their rows are then
    delivered like any due row."""
    days = missed_days(now)
    for day in days:
        plan_day(day, now)
    return days


def digest_lines(ticket: Ticket, row: Notification) -> list[emails.DigestLine]:
    """The ticket's public events of the row's digest day, oldest first."""
    events = (
        public_events(row.digest_date)
        .filter(ticket=ticket)
        .select_related("actor")
        .order_by("at", "pk")
    )
    return [emails.digest_line(event) for event in events]


def _declared(ticket: Ticket) -> list[str]:
    found = split_emails(ticket.client.notification_recipients or "")
    if ticket.contract is not None:
        found += split_emails(ticket.contract.notification_recipients or "")
    return found
