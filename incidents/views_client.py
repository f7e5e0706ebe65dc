"""Client-facing incident pages: banners and published post-incident reports.

Every read is filtered on ``request.contact.client``: an incident that did not affect the
contact's client, or whose report is not published, answers 404.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from extranet.access import contact_required
from extranet.scoping import visible_tickets

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


@contact_required
def client_report(request, pk: int):
    incident, pir = _published_report(request, pk)
    return render(
        request,
        "incidents/client_report.html",
        {
            "incident": incident,
            "pir": pir,
            "timeline": pir_timeline(incident, visible_tickets=visible_tickets(request.contact)),
            "duration": duration_label(incident),
            "client": request.contact.client,
            "nav": "incidents",
        },
    )


@contact_required
def client_report_pdf(request, pk: int):
    incident, pir = _published_report(request, pk)
    timeline = pir_timeline(incident, visible_tickets=visible_tickets(request.contact))
    content = pir_pdf(incident, pir, timeline, client_name=request.contact.client.name)
    return pdf_response(content, f"rapport-{incident.reference}.pdf")
