"""Notices from outside the ticket event log: on-call pages and major incidents.

Their rows (``PageAttempt``, ``MajorIncident``, ``IncidentTicket``, ``IncidentMessage``) are the
source; deriving again only adds what is missing (the unique source key), so the sweeper can
re-run over a recent window safely.
"""

from __future__ import annotations

from django.urls import reverse

from incidents.models import IncidentMessage, IncidentTicket, MajorIncident, MessageKind
from oncall.models import PageAttempt

from .derivation import _staff_ids, _user_of
from .models import NoticeKind
from .services import Draft, notices_create


def derive_page(page_id: int) -> int:
    """The technicians paged for a page get one notice each (re-pages add nothing)."""
    attempts = list(
        PageAttempt.objects.filter(page_id=page_id, technician__isnull=False).select_related(
            "technician", "page__ticket"
        )
    )
    if not attempts:
        return 0
    page = attempts[0].page
    ticket = page.ticket
    first_at = {}
    for attempt in attempts:
        first_at.setdefault(attempt.technician.user_id, attempt)
    staff = _staff_ids(first_at)
    drafts = [
        Draft(
            recipient_id=user_id,
            kind=NoticeKind.ONCALL_PAGE,
            source=f"page:{page.pk}",
            url=reverse("oncall:page_detail", args=[page.pk]),
            ticket_id=ticket.pk,
            params={
                "reference": ticket.reference,
                "title": ticket.title,
                "level": attempt.level,
            },
        )
        for user_id, attempt in first_at.items()
        if user_id in staff
    ]
    return notices_create(drafts=drafts, at=attempts[0].at)


def _owners(link: IncidentTicket) -> set[int]:
    ticket = link.ticket
    return {pk for pk in (_user_of(ticket.assignee), _user_of(ticket.resolver)) if pk}


def _incident_params(incident: MajorIncident) -> dict:
    return {"reference": incident.reference, "title": incident.title}


def derive_incident(incident_id: int) -> int:
    """Declared: the owners of the tickets linked to the incident (whoever linked a ticket is
    not told about it). A ticket linked later tells its own owners once."""
    incident = MajorIncident.objects.filter(pk=incident_id).first()
    if incident is None:
        return 0
    links = list(
        IncidentTicket.objects.filter(incident=incident).select_related(
            "ticket__assignee", "ticket__resolver"
        )
    )
    wanted: dict[int, IncidentTicket] = {}
    for link in links:
        for user_id in _owners(link) - {link.linked_by_id, incident.created_by_id}:
            wanted.setdefault(user_id, link)
    staff = _staff_ids(wanted)
    url = reverse("incidents:detail", args=[incident.pk])
    drafts = [
        Draft(
            recipient_id=user_id,
            kind=NoticeKind.INCIDENT_DECLARED,
            source=f"incident:{incident.pk}",
            url=url,
            ticket_id=link.ticket_id,
            actor_id=link.linked_by_id,
            params={**_incident_params(incident), "ticket": link.ticket.reference},
        )
        for user_id, link in wanted.items()
        if user_id in staff
    ]
    return notices_create(drafts=drafts)


def derive_incident_message(message_id: int) -> int:
    """A communication (update, resolution): the incident's creator and the owners of its
    linked tickets, except the publisher."""
    message = IncidentMessage.objects.select_related("incident").filter(pk=message_id).first()
    if message is None:
        return 0
    incident = message.incident
    links = IncidentTicket.objects.filter(incident=incident).select_related(
        "ticket__assignee", "ticket__resolver"
    )
    wanted = {incident.created_by_id}
    for link in links:
        wanted |= _owners(link)
    wanted -= {message.published_by_id, None}
    kind = (
        NoticeKind.INCIDENT_RESOLVED
        if message.kind == MessageKind.RESOLUTION
        else NoticeKind.INCIDENT_UPDATE
    )
    url = reverse("incidents:detail", args=[incident.pk])
    drafts = [
        Draft(
            recipient_id=user_id,
            kind=kind,
            source=f"incident-message:{message.pk}",
            url=url,
            actor_id=message.published_by_id,
            params={**_incident_params(incident), "subject": message.subject[:200]},
        )
        for user_id in sorted(_staff_ids(wanted))
    ]
    return notices_create(drafts=drafts, at=message.published_at)
