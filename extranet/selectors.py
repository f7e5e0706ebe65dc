"""The extranet's reads: what a client contact may see, and the scoped querysets of its pages.

The scoping functions at the top are the one place that decides what a contact may see; every
extranet view (and the client pages of incidents and projects) reads through them. A contact sees
their own client's data only; a contact whose visibility is "own site" (and who is not a client
admin) sees the requests of their site plus the ones they made themselves. Internal notes and
non-public attachments are never part of these querysets. The page reads below are N+1 free.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.models import Contact, Site
from oceanis import ical
from tickets.models import (
    OPEN_STATES,
    Attachment,
    EventKind,
    PlannedIntervention,
    State,
    Ticket,
    TicketEvent,
)

from .models import ProjectDocument


def contact_for(user) -> Contact | None:
    """The active extranet contact behind a logged-in user, or None (staff, unknown, inactive)."""
    if not getattr(user, "is_authenticated", False) or user.is_staff or not user.is_active:
        return None
    contact = Contact.objects.select_related("client", "site").filter(user=user).first()
    if contact is None or not contact.is_active or not contact.client.is_active:
        return None
    return contact


def is_site_restricted(contact: Contact) -> bool:
    return contact.visibility == Contact.Visibility.OWN_SITE and not contact.is_client_admin


def visible_tickets(contact: Contact) -> QuerySet[Ticket]:
    """Tickets of the contact's client, narrowed to their site when restricted."""
    qs = Ticket.objects.filter(client_id=contact.client_id)
    if is_site_restricted(contact):
        own = Q(contact_id=contact.pk)
        qs = qs.filter(Q(site_id=contact.site_id) | own if contact.site_id else own)
    return qs


def visible_sites(contact: Contact) -> QuerySet[Site]:
    qs = Site.objects.filter(client_id=contact.client_id)
    if is_site_restricted(contact):
        qs = qs.filter(pk=contact.site_id)
    return qs


def public_events(contact: Contact) -> QuerySet[TicketEvent]:
    """Events of visible tickets that the client may read (never internal notes)."""
    return TicketEvent.objects.filter(public=True, ticket__in=visible_tickets(contact))


def visible_attachments(contact: Contact) -> QuerySet[Attachment]:
    """Public attachments of visible tickets, excluding any attached to an internal entry."""
    return (
        Attachment.objects.filter(public=True, ticket__in=visible_tickets(contact))
        .exclude(event__public=False)
        .select_related("ticket")
    )


def visible_interventions(contact: Contact) -> QuerySet[PlannedIntervention]:
    return PlannedIntervention.objects.filter(
        cancelled=False, ticket__in=visible_tickets(contact)
    ).select_related("ticket", "ticket__site", "technician__user")


def visible_documents(contact: Contact) -> QuerySet[ProjectDocument]:
    """The client's documents; one tied to a request follows that request's visibility."""
    return ProjectDocument.objects.filter(client_id=contact.client_id).filter(
        Q(ticket__isnull=True) | Q(ticket__in=visible_tickets(contact))
    )


FOLLOWED_STATES = (*OPEN_STATES, State.RESOLVED)


def _last_public(field: str) -> Subquery:
    return Subquery(
        TicketEvent.objects.filter(ticket=OuterRef("pk"), public=True)
        .order_by("-at", "-pk")
        .values(field)[:1]
    )


def followed_requests(contact: Contact, filters: dict | None = None) -> QuerySet[Ticket]:
    """Requests in progress (and resolved ones awaiting confirmation), with the last public
    activity annotated, most urgent deadline first."""
    filters = filters or {}
    qs = (
        visible_tickets(contact)
        .filter(state__in=FOLLOWED_STATES)
        .select_related("site", "assignee__user")
        .annotate(last_public_at=_last_public("at"), last_public_kind=_last_public("kind"))
    )
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("urgency"):
        qs = qs.filter(urgency=filters["urgency"])
    if filters.get("site"):
        qs = qs.filter(site=filters["site"])
    if filters.get("q"):
        term = filters["q"].strip()
        qs = qs.filter(
            Q(reference__icontains=term) | Q(title__icontains=term) | Q(description__icontains=term)
        )
    return qs.order_by("gti_deadline", "created_at")


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def closed_requests(contact: Contact, filters: dict | None = None) -> QuerySet[Ticket]:
    """Closed requests, filtered on the closing date (Paris days) and site, newest first,
    with their public reports and closing events prefetched (one query each)."""
    filters = filters or {}
    qs = (
        visible_tickets(contact)
        .filter(state=State.CLOSED)
        .select_related("site", "assignee__user")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=TicketEvent.objects.filter(public=True, kind=EventKind.REPORT)
                .select_related("actor", "actor__contact")
                .order_by("at", "pk"),
                to_attr="public_reports",
            ),
            # The closing event carries the synthesis' code: shown in the reader's language.
            Prefetch(
                "events",
                queryset=TicketEvent.objects.filter(to_state=State.CLOSED).order_by("at", "pk"),
                to_attr="closing_events",
            ),
        )
    )
    if filters.get("start"):
        qs = qs.filter(closed_at__gte=_local_midnight(filters["start"]))
    if filters.get("end"):
        qs = qs.filter(closed_at__lt=_local_midnight(filters["end"] + timedelta(days=1)))
    if filters.get("site"):
        qs = qs.filter(site=filters["site"])
    return qs.order_by("-closed_at", "-pk")


def request_timeline(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The public events of one request, oldest first (never internal notes)."""
    return (
        ticket.events.filter(public=True)
        .select_related("actor", "actor__contact")
        .prefetch_related(
            Prefetch(
                "attachments",
                queryset=Attachment.objects.filter(public=True).order_by("pk"),
                to_attr="public_attachments",
            )
        )
        .order_by("at", "pk")
    )


def counts_by_state(contact: Contact) -> dict[str, int]:
    """How many followed requests per state, plus "waiting" (not yet taken in charge)."""
    rows = (
        visible_tickets(contact)
        .filter(state__in=FOLLOWED_STATES)
        .values("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(FOLLOWED_STATES, 0)
    counts.update({row["state"]: row["n"] for row in rows})
    counts["waiting"] = counts[State.NEW] + counts[State.ASSIGNED]
    return counts


# --- the planning: upcoming interventions, the month grid, the iCalendar feed -----------------

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
