"""Client-facing incident pages: banners and published post-incident reports.

Every read is filtered on ``request.contact.client``: an incident that did not affect the
contact's client, or whose report is not published, answers 404.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from alerts.models import Event
from extranet.access import contact_required
from extranet.selectors import is_site_restricted, visible_tickets

from .models import MajorIncident, PostIncidentReport
from .pir import duration_label, pir_pdf, pir_timeline
from .selectors import active_banners_for_client, published_reports_for_client
from .views import pdf_response


@contact_required
def client_home(request):
    client = request.contact.client
    return render(
        request,
        "incidents/client_home.html",
        {
            "client": client,
            "incident_banners": active_banners_for_client(client),
            "reports": published_reports_for_client(client),
            "nav": "incidents",
        },
    )


def _published_report(request, pk: int) -> tuple[MajorIncident, PostIncidentReport]:
    pir = (
        PostIncidentReport.objects.select_related("incident")
        .filter(incident_id=pk, published=True, incident__affected_clients=request.contact.client)
        .first()
    )
    if pir is None:
        raise Http404
    return pir.incident, pir


def _client_timeline(request, incident: MajorIncident):
    """The timeline as this contact may see it: own client's tickets and monitoring events
    (own site only when the contact is restricted to a site), public entries only."""
    contact = request.contact
    events = Event.objects.filter(client_id=contact.client_id)
    if is_site_restricted(contact):
        events = events.filter(site_id=contact.site_id)
    return pir_timeline(incident, visible_tickets=visible_tickets(contact), visible_events=events)


@contact_required
def client_report(request, pk: int):
    incident, pir = _published_report(request, pk)
    return render(
        request,
        "incidents/client_report.html",
        {
            "incident": incident,
            "pir": pir,
            "timeline": _client_timeline(request, incident),
            "duration": duration_label(incident),
            "client": request.contact.client,
            "nav": "incidents",
        },
    )


@contact_required
def client_report_pdf(request, pk: int):
    incident, pir = _published_report(request, pk)
    timeline = _client_timeline(request, incident)
    content = pir_pdf(incident, pir, timeline, client_name=request.contact.client.name)
    return pdf_response(content, f"rapport-{incident.reference}.pdf")
