"""The client's planning: upcoming interventions, a month grid and the iCalendar feed."""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import DateTimeField, ExpressionWrapper, F, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.models import Contact
from oceanis import ical
from oceanis.tokens import hash_token
from tickets.models import PlannedIntervention

from .models import CalendarFeed
from .selectors import contact_for, visible_interventions

FEED_PAST_DAYS = 90  # the feed also keeps recent interventions, so calendars do not lose them


def upcoming(contact: Contact, now: datetime | None = None) -> QuerySet[PlannedIntervention]:
    """Interventions not cancelled that have not ended yet, soonest first."""
    now = now or timezone.now()
    # An intervention under way still counts as upcoming: filter on its end, not its start.
    return (
        visible_interventions(contact)
        .annotate(
            ends=ExpressionWrapper(F("starts_at") + F("duration"), output_field=DateTimeField())
        )
        .filter(ends__gte=now)
        .order_by("starts_at", "pk")
    )


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    interventions: list = field(default_factory=list)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The month as an aware [start, end) interval in local (Paris) time."""
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end, time.min)),
    )


def month_grid(contact: Contact, year: int, month: int) -> list[list[Day]]:
    """Weeks (Monday first) of the month, each day with the interventions starting that day."""
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first = timezone.make_aware(datetime.combine(weeks[0][0], time.min))
    last = timezone.make_aware(datetime.combine(weeks[-1][-1] + timedelta(days=1), time.min))
    by_day: dict[date, list] = {}
    rows = visible_interventions(contact).filter(starts_at__gte=first, starts_at__lt=last)
    for intervention in rows.order_by("starts_at", "pk"):
        by_day.setdefault(timezone.localdate(intervention.starts_at), []).append(intervention)
    today = timezone.localdate()
    return [
        [Day(d, d.month == month, d == today, by_day.get(d, [])) for d in week] for week in weeks
    ]


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the month grid's range (its URL answers 404 outside)


def month_in_range(year: int, month: int) -> bool:
    return 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR


def adjacent_months(year: int, month: int) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The months before and after, or None where the grid's range ends (no link to a 404)."""
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    return (
        previous if month_in_range(*previous) else None,
        following if month_in_range(*following) else None,
    )


def feed_contact(token: str) -> Contact | None:
    """The contact behind a feed token, if the token is current and the contact still allowed."""
    feed = (
        CalendarFeed.objects.select_related("contact__user")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if feed is None or feed.contact.user is None:
        return None
    contact = contact_for(feed.contact.user)
    if contact is None or contact.pk != feed.contact_id:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return contact


def feed_revoke(*, contact: Contact) -> int:
    """The contact's subscription address stops working at once (a new one is issued on demand)."""
    deleted, _by_model = CalendarFeed.objects.filter(contact=contact).delete()
    return deleted


def intervention_summary(intervention: PlannedIntervention) -> str:
    return _("Intervention %(mode)s – %(ref)s %(title)s") % {
        "mode": intervention.get_mode_display().lower(),
        "ref": intervention.ticket.reference,
        "title": intervention.ticket.title,
    }


def feed_text(contact: Contact, *, base_url: str, now: datetime | None = None) -> str:
    """The contact's planning as an iCalendar document (recent and upcoming interventions), in
    the contact's language (the calendar app fetching it says nothing reliable about it)."""
    with translation.override(contact.language or settings.LANGUAGE_CODE):
        return _feed_text(contact, base_url=base_url, now=now or timezone.now())


def _feed_text(contact: Contact, *, base_url: str, now: datetime) -> str:
    rows = (
        visible_interventions(contact)
        .filter(starts_at__gte=now - timedelta(days=FEED_PAST_DAYS))
        .order_by("starts_at", "pk")
    )
    events = []
    for intervention in rows:
        ticket = intervention.ticket
        technician = intervention.technician.user.first_name or _("un technicien")
        description = _(
            "Demande %(ref)s : %(title)s\nTechnicien : %(tech)s\nModalité : %(mode)s"
        ) % {
            "ref": ticket.reference,
            "title": ticket.title,
            "tech": technician,
            "mode": intervention.get_mode_display(),
        }
        events.append(
            ical.Event(
                uid=f"intervention-{intervention.pk}@oceanis-service-desk",
                start=intervention.starts_at,
                end=intervention.ends_at,
                summary=intervention_summary(intervention),
                description=description,
                location=(
                    ticket.site.name
                    if ticket.site and intervention.mode == PlannedIntervention.Mode.ON_SITE
                    else ""
                ),
                url=base_url.rstrip("/") + reverse("extranet:request", args=[ticket.pk]),
            )
        )
    name = _("Interventions Oceanis – %(client)s") % {"client": contact.client.name}
    return ical.calendar(events, name=name, now=now, product="Service Desk Extranet")
