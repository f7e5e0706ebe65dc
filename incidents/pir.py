"""The post-incident report: its timeline, assembled from the log, and its PDF export.

The timeline is never stored: it is read from the linked tickets' ``TicketEvent`` log (the
immutable history) and the published communications, so it cannot drift from what happened.
Staff see every event; a client sees the communications plus the public events of the tickets it
may see — never another client's tickets, never internal notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from alerts.models import Event
from oceanis.messages import text_of
from oceanis.pdf import FONT, OceanisPDF
from tickets.activity import is_client_activity
from tickets.models import EventKind, State, Ticket, TicketEvent

from .models import MajorIncident, PostIncidentReport


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    source: str  # "incident", "communication", "ticket" or "monitoring"
    title: str
    body: str = ""
    internal: bool = False
    rank: int = 2  # orders simultaneous entries: start, communications, tickets, end


def _event_title(event: TicketEvent) -> str:
    kind = event.get_kind_display()
    if event.kind == EventKind.REPORT and is_client_activity(event, event.ticket):
        kind = _("Commentaire du client")  # not a report of Oceanis' work
    title = f"{event.ticket.reference} – {kind}"
    if event.kind == EventKind.TRANSITION and event.to_state:
        return f"{title} : {State(event.to_state).label}"
    if event.kind == EventKind.ESCALATION:
        return f"{title} : N{event.payload.get('from')} → N{event.payload.get('to')}"
    return title


def pir_timeline(
    incident: MajorIncident,
    *,
    visible_tickets: QuerySet[Ticket] | None = None,
    visible_events: QuerySet[Event] | None = None,
) -> list[TimelineEntry]:
    """The incident's chronology, oldest first.

    ``visible_tickets`` restricts ticket events to those tickets and to public events, and
    monitoring events to ``visible_events`` (none when not given): the client view. Without it
    everything is included and internal entries are flagged (the staff view).
    """
    entries = [
        TimelineEntry(
            incident.started_at, "incident", _("Début de l'incident"), incident.title, rank=0
        )
    ]
    for message in incident.messages.order_by("published_at", "pk"):
        entries.append(
            TimelineEntry(
                message.published_at,
                "communication",
                _("Communication : %(kind)s") % {"kind": message.get_kind_display()},
                message.body,
                rank=1,
            )
        )
    events = TicketEvent.objects.filter(ticket__major_incident_link__incident=incident)
    if visible_tickets is not None:
        events = events.filter(public=True, ticket__in=visible_tickets)
    for event in events.select_related("ticket", "actor").order_by("at", "pk"):
        entries.append(
            TimelineEntry(event.at, "ticket", _event_title(event), text_of(event), not event.public)
        )
    alerts = Event.objects.filter(major_incident_link__incident=incident)
    if visible_tickets is not None:
        alerts = alerts.filter(pk__in=visible_events) if visible_events is not None else []
    for alert in alerts:
        label = " – ".join(p for p in (alert.host, alert.service, alert.summary) if p)
        entries.append(
            TimelineEntry(
                alert.first_seen,
                "monitoring",
                _("Alerte de supervision : %(label)s") % {"label": label},
                _("%(n)d occurrence(s), sévérité %(sev)s")
                % {"n": alert.count, "sev": alert.get_severity_display()},
            )
        )
        if alert.resolved_at:
            entries.append(
                TimelineEntry(
                    alert.resolved_at,
                    "monitoring",
                    _("Supervision : rétabli – %(label)s") % {"label": label},
                )
            )
    if incident.resolved_at:
        entries.append(
            TimelineEntry(incident.resolved_at, "incident", _("Fin de l'incident"), rank=3)
        )
    return sorted(entries, key=lambda e: (e.at, e.rank))


def duration_label(incident: MajorIncident) -> str:
    """The incident's duration as "2 h 05 min", or an empty string while it is open."""
    if not incident.resolved_at:
        return ""
    minutes = int((incident.resolved_at - incident.started_at).total_seconds() // 60)
    hours, minutes = divmod(max(minutes, 0), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


# --- PDF --------------------------------------------------------------------------------------


def _local(value: datetime) -> str:
    return date_format(timezone.localtime(value), "j F Y H:i")


def pir_pdf(
    incident: MajorIncident,
    pir: PostIncidentReport | None,
    timeline: list[TimelineEntry],
    *,
    client_name: str = "",
) -> bytes:
    """The report as a PDF document (fpdf2, pure Python: no system libraries needed)."""
    pdf = OceanisPDF(
        f"{incident.reference} {incident.title}", footer_label=f"Oceanis – {incident.reference}"
    )
    pdf.add_page()

    def heading(text: str, size: int = 13) -> None:
        pdf.set_font(FONT, style="B", size=size)
        pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def paragraph(text: str, size: int = 10, style: str = "") -> None:
        pdf.set_font(FONT, style=style, size=size)
        pdf.multi_cell(0, 5, text or "–", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    heading(_("Rapport post-incident"), 16)
    heading(f"{incident.reference} – {incident.title}", 12)
    facts = [
        _("Début : %(at)s") % {"at": _local(incident.started_at)},
        _("Fin : %(at)s") % {"at": _local(incident.resolved_at)}
        if incident.resolved_at
        else _("Incident en cours"),
    ]
    if duration_label(incident):
        facts.append(_("Durée : %(d)s") % {"d": duration_label(incident)})
    if client_name:
        facts.append(_("Client : %(name)s") % {"name": client_name})
    services = incident.service_list()
    if services:
        facts.append(_("Services impactés : %(list)s") % {"list": ", ".join(services)})
    paragraph("\n".join(facts))

    sections = [
        (_("Résumé"), pir.summary if pir else ""),
        (_("Impact"), pir.impact if pir else ""),
        (_("Cause racine"), pir.root_cause if pir else ""),
    ]
    for title, text in sections:
        heading(title)
        paragraph(text)
    heading(_("Actions correctives et préventives"))
    actions = pir.action_list() if pir else []
    paragraph("\n".join(f"- {a}" for a in actions) if actions else "–")

    heading(_("Chronologie"))
    for entry in timeline:
        label = entry.title + (f" ({_('interne')})" if entry.internal else "")
        paragraph(f"{_local(entry.at)} – {label}", size=9, style="B")
        if entry.body:
            paragraph(entry.body, size=9)
    return bytes(pdf.output())
