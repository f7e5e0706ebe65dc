"""New ticket (phone call or a technician's decision) and its htmx helpers: client type-ahead,
the chosen client's contacts/sites/contract, and the GTI deadline preview."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clients.models import Client, Contact
from sla.policy import Urgency
from tickets.services import ticket_create

from ..access import staff_required, technician_of
from ..forms import URGENCY_HELP, TicketCreateForm, apply_validation_error
from ..slapanel import commitments, gti_preview

MIN_QUERY = 2
MAX_RESULTS = 10


def client_context(form: TicketCreateForm) -> dict:
    """The chosen client's block: its contract in force, hours plan and GTI commitments."""
    client = form.client
    contract = client.active_contract(timezone.localdate()) if client else None
    return {
        "form": form,
        "client": client,
        "contract": contract,
        "commitments": commitments(contract) if client else [],
    }


@staff_required
def ticket_new(request):
    if request.method == "POST":
        form = TicketCreateForm(request.POST)
        if form.is_valid():
            ticket = _create(request, form)
            if ticket is not None:
                messages.success(
                    request,
                    _("Demande %(ref)s créée. Échéance GTI : %(deadline)s.")
                    % {
                        "ref": ticket.reference,
                        "deadline": date_format(
                            timezone.localtime(ticket.gti_deadline), "DATETIME_FORMAT"
                        ),
                    },
                )
                return redirect("backoffice:ticket", reference=ticket.reference)
        status = 400
    else:
        form = TicketCreateForm()
        status = 200
    context = client_context(form) | {"urgency_help": URGENCY_HELP}
    return render(request, "backoffice/ticket_new.html", context, status=status)


def _create(request, form: TicketCreateForm):
    data = form.cleaned_data
    me = technician_of(request.user)
    try:
        # The creation instant is the save instant: no created_at is passed.
        return ticket_create(
            client=data["client"],
            contact=data["contact"],
            site=data["site"],
            title=data["title"],
            description=data["description"],
            channel=data["channel"],
            kind=data["kind"],
            urgency=data["urgency"],
            complexity=data["complexity"],
            technical_domain=data["technical_domain"],
            service_type=data["service_type"],
            equipment=data["equipment"],
            billable=data["billable"],
            assignee=me if data["assign_to_me"] else None,
            by=request.user,
        )
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None


@staff_required
@require_GET
def client_search(request):
    """Type-ahead: active clients whose name or code, or one of whose contacts, matches."""
    query = request.GET.get("q", "").strip()
    clients = []
    if len(query) >= MIN_QUERY:
        via_contact = Contact.objects.filter(
            Q(last_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(email__icontains=query)
            | Q(phone__icontains=query)
        ).values("client_id")
        clients = list(
            Client.objects.filter(is_active=True)
            .filter(Q(name__icontains=query) | Q(code__icontains=query) | Q(pk__in=via_contact))
            .order_by("name")[:MAX_RESULTS]
        )
    return render(
        request,
        "backoffice/_client_results.html",
        {"clients": clients, "query": query, "too_short": 0 < len(query) < MIN_QUERY},
    )


@staff_required
@require_GET
def client_fields(request):
    """The chosen client's contacts, sites, contract and billable preset (htmx swap)."""
    raw = request.GET.get("client", "")
    if not raw:  # "change client": back to the search box
        response = render(request, "backoffice/_client_search.html", {"form": TicketCreateForm()})
        response["HX-Trigger"] = "client-chosen"
        return response
    if not raw.isdigit():
        raise Http404
    client = get_object_or_404(Client, pk=raw, is_active=True)
    contract = client.active_contract(timezone.localdate())
    form = TicketCreateForm(
        initial={"client": client, "billable": not (contract and contract.is_flat_fee)}
    )
    response = render(request, "backoffice/_client_fields.html", client_context(form))
    response["HX-Trigger"] = "client-chosen"
    return response


@staff_required
@require_GET
def gti_preview_view(request):
    """The GTI deadline the ticket would get if saved now, with its explanation."""
    urgency = request.GET.get("urgency", "")
    client_id = request.GET.get("client", "")
    context = {"preview": None, "missing_client": False}
    if urgency in Urgency.values:
        client = Client.objects.filter(pk=client_id).first() if client_id.isdigit() else None
        if client is None:
            context["missing_client"] = True
        else:
            now = timezone.now()
            contract = client.active_contract(timezone.localdate(now))
            context["preview"] = gti_preview(urgency, contract, now)
            context["contract"] = contract
    return render(request, "backoffice/_gti_preview.html", context)
