"""Closed requests with their reports; CSV export of the same (scoped) selection."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from oceanis import spreadsheet
from oceanis.templatetags.oceanis_messages import closure_text

from ..access import contact_required
from ..forms import HistoryFilterForm
from ..selectors import closed_requests, visible_sites

PAGE_SIZE = 30


def _filters(request, contact):
    sites = visible_sites(contact)
    form = HistoryFilterForm(request.GET or None, sites=sites)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, filters, sites


@contact_required
def history(request):
    form, filters, sites = _filters(request, request.contact)
    page = Paginator(closed_requests(request.contact, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "extranet/history.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "show_site": sites.count() > 1,
            "nav": "history",
        },
    )


def _local(value) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


@contact_required
def history_csv(request):
    form, filters, _sites = _filters(request, request.contact)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            " ".join(m for errs in form.errors.values() for m in errs),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(content_type=spreadsheet.CONTENT_TYPE)
    response["Content-Disposition"] = 'attachment; filename="demandes-cloturees.csv"'
    writer = spreadsheet.Writer(response)
    writer.row(
        [
            _("Référence"),
            _("Objet"),
            _("Site"),
            _("Urgence"),
            _("Créée le"),
            _("Prise en charge le"),
            _("Clôturée le"),
            _("GTI respectée"),
            _("Commentaire de synthèse"),
            _("Comptes-rendus"),
        ]
    )
    met = {True: _("oui"), False: _("non"), None: ""}
    for ticket in closed_requests(request.contact, filters).iterator(chunk_size=500):
        reports = "\n\n".join(
            f"{_local(e.at)} – {e.body}" for e in getattr(ticket, "public_reports", [])
        )
        writer.row(
            (
                ticket.reference,
                ticket.title,
                ticket.site.name if ticket.site else "",
                ticket.get_urgency_display(),
                _local(ticket.created_at),
                _local(ticket.taken_in_charge_at),
                _local(ticket.closed_at),
                met[ticket.gti_met],
                closure_text(ticket, ticket.closing_events),
                reports,
            )
        )
    return response
