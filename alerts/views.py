"""The event console (staff): monitoring events with their state, filters, live refresh and
the actions (acknowledge, silence, open or link a ticket, group under a major incident)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import staff_required
from backoffice.views.paging import paginate
from incidents.models import MajorIncident
from incidents.services import incident_link_event
from tickets.models import Ticket

from . import console, selectors
from .filters import EventFilter
from .forms import LinkIncidentForm, LinkTicketForm, OpenTicketForm, SilenceForm
from .models import Event, Silence
from .silences import silence_end

PAGE_SIZE = 50


@staff_required
@require_GET
def event_console(request):
    now = timezone.now()
    filters = EventFilter(request.GET, selectors.console_events(), now=now)
    page = paginate(request, filters.qs, selectors.console_rows(), PAGE_SIZE)
    _add_links(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": filters.form,
        "page": page,
        "now": now,
        "counters": selectors.console_counters(now),
        "querystring": params.urlencode(),
        "silence_form": SilenceForm(),
    }
    if request.htmx and request.htmx.target == "event-rows":
        return render(request, "alerts/_event_rows.html", context)
    return render(request, "alerts/console.html", context)


def _add_links(events: list[Event]) -> None:
    """Each row's addresses, from one reverse per kind of link (not several per row: a page
    of 50 events would spend most of its time in the URL resolver)."""
    pattern = {
        name: reverse(f"alerts:{name}", args=[0])
        for name in ("event", "acknowledge", "open_ticket")
    }
    ticket_url = reverse("backoffice:ticket", args=["REF"])
    incident_url = reverse("incidents:detail", args=[0])
    for event in events:
        event.links = {
            name: url.replace("/0/", f"/{event.pk}/", 1) for name, url in pattern.items()
        }
        if event.ticket is not None:
            event.links["ticket"] = ticket_url.replace("REF", event.ticket.reference, 1)
        link = getattr(event, "major_incident_link", None)
        if link is not None:
            event.links["incident"] = incident_url.replace("/0/", f"/{link.incident_id}/", 1)


@staff_required
@require_GET
def event_detail(request, pk: int):
    now = timezone.now()
    event = get_object_or_404(selectors.console_rows().select_related("site"), pk=pk)
    return render(
        request,
        "alerts/event.html",
        {
            "event": event,
            "now": now,
            "silences": selectors.event_silences(event, now),
            "ticket_form": OpenTicketForm(initial={"urgency": console.default_urgency(event)}),
            "silence_form": SilenceForm(),
            "link_form": LinkTicketForm(),
            "incidents": MajorIncident.objects.filter(status=MajorIncident.Status.OPEN).order_by(
                "-started_at"
            ),
        },
    )


def _back(request, event: Event):
    """To the page the action came from (the console with its filters), else the event."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("alerts:event", event.pk)


def _flash(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@staff_required
@require_POST
def event_acknowledge(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    event = console.event_acknowledge(event=event, by=request.user)
    messages.success(request, _("Événement n°%(id)s pris en compte.") % {"id": event.pk})
    return _back(request, event)


@staff_required
@require_POST
def event_open_ticket(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    form = OpenTicketForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, event)
    try:
        ticket, created = console.event_open_ticket(
            event=event, by=request.user, urgency=form.cleaned_data["urgency"] or None
        )
    except ValidationError as exc:
        _flash(request, exc)
        return _back(request, event)
    if created:
        messages.success(request, _("Demande %(ref)s créée.") % {"ref": ticket.reference})
    else:
        messages.info(
            request, _("L'événement a déjà la demande %(ref)s.") % {"ref": ticket.reference}
        )
    return _back(request, event)


@staff_required
@require_POST
def event_link_ticket(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    form = LinkTicketForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, event)
    reference = form.cleaned_data["reference"].strip().upper()
    ticket = Ticket.objects.filter(reference=reference).first()
    if ticket is None:
        messages.error(request, _("Demande %(ref)s introuvable.") % {"ref": reference})
        return _back(request, event)
    try:
        console.event_link_ticket(event=event, ticket=ticket, by=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Événement rattaché à %(ref)s.") % {"ref": ticket.reference})
    return _back(request, event)


@staff_required
@require_POST
def event_link_incident(request, pk: int):
    event = get_object_or_404(Event.objects.select_related("ticket"), pk=pk)
    form = LinkIncidentForm(request.POST)
    incident = None
    if form.is_valid():
        incident = MajorIncident.objects.filter(pk=form.cleaned_data["incident"]).first()
    if incident is None:
        messages.error(request, _("Incident majeur introuvable."))
        return _back(request, event)
    linked = getattr(event, "major_incident_link", None)
    if linked is not None and linked.incident_id == incident.pk:
        messages.info(request, _("Déjà rattaché à %(ref)s.") % {"ref": incident.reference})
        return _back(request, event)
    try:
        incident_link_event(incident=incident, event=event, by=request.user)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        console.event_acknowledge(event=event, by=request.user)
        messages.success(request, _("Événement rattaché à %(ref)s.") % {"ref": incident.reference})
    return _back(request, event)


@staff_required
@require_POST
def event_silence(request, pk: int):
    event = get_object_or_404(Event, pk=pk)
    form = SilenceForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(request, event)
    try:
        silence = console.event_silence(
            event=event,
            by=request.user,
            minutes=form.cleaned_data["minutes"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        until = timezone.localtime(silence.ends_at)
        messages.success(
            request, _("En sourdine jusqu'à %(at)s.") % {"at": until.strftime("%d/%m %H:%M")}
        )
    return _back(request, event)


@staff_required
@require_POST
def silence_lift(request, pk: int):
    silence = get_object_or_404(Silence, pk=pk)
    silence_end(silence=silence, by=request.user)
    messages.success(request, _("Mise en sourdine levée."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("alerts:console")
