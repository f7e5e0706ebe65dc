"""New ticket (phone call or a technician's decision) and its htmx helpers: client type-ahead,
the chosen client's contacts/sites/contract, and the GTI deadline preview."""

from __future__ import annotations

from contextlib import suppress

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clients.models import Client, Contact, Site
from oceanis.phones import fold, name_tokens, search_digits
from sla.policy import Urgency
from telephony.models import Call
from telephony.services import call_link_ticket
from tickets.models import Channel
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


def _call_of(request) -> Call | None:
    """The phone call this ticket is opened from (``?call=<id>``, from the live call card)."""
    raw = request.GET.get("call", "")
    if not raw.isdigit():
        return None
    return Call.objects.select_related("client", "contact", "site").filter(pk=raw).first()


def _initial_from_call(call: Call | None) -> dict:
    """The call card's "create the ticket": client, contact, site and channel phone."""
    if call is None:
        return {}
    initial: dict = {"channel": Channel.PHONE}
    client = call.client if call.client and call.client.is_active else None
    if client is not None:
        contract = client.active_contract(timezone.localdate())
        initial |= {
            "client": client,
            "contact": call.contact,
            "site": call.site,
            "billable": not (contract and contract.is_flat_fee),
        }
    return initial


@staff_required
def ticket_new(request):
    call = _call_of(request)
    if request.method == "POST":
        form = TicketCreateForm(request.POST)
        if form.is_valid():
            ticket = _create(request, form)
            if ticket is not None and call is not None:
                # Another client chosen than the caller's: the call stays unlinked.
                with suppress(ValueError):
                    call_link_ticket(call=call, ticket=ticket)
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
        form = TicketCreateForm(initial=_initial_from_call(call))
        status = 200
    context = client_context(form) | {"urgency_help": URGENCY_HELP, "call": call}
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


def contact_match(query: str) -> Q:
    """A contact whose name ("first last" or "last first", accents ignored), e-mail or phone
    (whatever the typed format: oceanis.phones) matches ``query``."""
    match = Q(email__icontains=query)
    tokens = name_tokens(query)
    if tokens:
        by_name = Q()
        for token in tokens:
            by_name &= Q(name_key__contains=token)
        match |= by_name
    digits = search_digits(query)
    if digits:
        match |= Q(phone_e164__contains=digits) | Q(mobile_e164__contains=digits)
    return match


@staff_required
@require_GET
def client_search(request):
    """Type-ahead: active clients whose name, code or phone (or one of whose sites' or
    contacts' numbers, or contacts) matches, and the matching contacts themselves."""
    query = request.GET.get("q", "").strip()
    clients: list[Client] = []
    contacts: list[Contact] = []
    if len(query) >= MIN_QUERY:
        contacts = list(
            Contact.objects.filter(contact_match(query), is_active=True, client__is_active=True)
            .select_related("client")
            .order_by("last_name", "first_name", "pk")[:MAX_RESULTS]
        )
        match = (
            Q(name__icontains=query)
            | Q(name_key__contains=fold(query))
            | Q(code__icontains=query)
            | Q(pk__in=Contact.objects.filter(contact_match(query)).values("client_id"))
        )
        digits = search_digits(query)
        if digits:
            via_site = Site.objects.filter(phone_e164__contains=digits).values("client_id")
            match |= Q(phone_e164__contains=digits) | Q(pk__in=via_site)
        clients = list(
            Client.objects.filter(is_active=True).filter(match).order_by("name")[:MAX_RESULTS]
        )
    return render(
        request,
        "backoffice/_client_results.html",
        {
            "clients": clients,
            "contacts": contacts,
            "query": query,
            "too_short": 0 < len(query) < MIN_QUERY,
        },
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
    initial = {"client": client, "billable": not (contract and contract.is_flat_fee)}
    contact_id = request.GET.get("contact", "")
    if contact_id.isdigit():  # picked from the type-ahead's contacts: preselected
        initial["contact"] = Contact.objects.filter(
            pk=contact_id, client=client, is_active=True
        ).first()
    form = TicketCreateForm(initial=initial)
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
