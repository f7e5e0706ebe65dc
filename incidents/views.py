"""Staff screens of major incidents: list, detail, communications and post-incident report."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts.models import Event
from backoffice.access import policy_required, staff_required
from clients.models import Client
from oceanis.forms import add_service_errors
from staff.policy import Action
from tickets.models import Ticket

from . import services
from .communication import default_subject, render_template_body
from .forms import (
    ClientForm,
    IncidentCreateForm,
    IncidentForm,
    LinkTicketsForm,
    NextUpdateForm,
    PirForm,
    PublishForm,
)
from .models import MajorIncident, MessageKind, PostIncidentReport
from .pir import duration_label, pir_pdf, pir_timeline
from .selectors import incident_list as incident_rows

DEFAULT_UPDATE_INTERVAL = timedelta(minutes=30)


@staff_required
def incident_list(request):
    now = timezone.now()
    return render(
        request,
        "incidents/list.html",
        {"incidents": list(incident_rows()), "now": now, "nav": "incidents"},
    )


@staff_required
def incident_create(request):
    form = IncidentCreateForm(
        request.POST or None,
        initial={
            "started_at": timezone.localtime().replace(second=0, microsecond=0),
            "next_update_at": (timezone.localtime() + DEFAULT_UPDATE_INTERVAL).replace(
                second=0, microsecond=0
            ),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_create(
                title=data["title"],
                description=data["description"],
                services=data["services"],
                started_at=data["started_at"],
                next_update_at=data["next_update_at"],
                clients=list(data["clients"]),
                tickets=data["tickets"],
                events=data["events"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Incident majeur %s ouvert.") % incident.reference)
            return redirect("incidents:detail", incident.pk)
    return render(request, "incidents/form.html", {"form": form, "nav": "incidents"})


def _get(pk: int) -> MajorIncident:
    return get_object_or_404(MajorIncident, pk=pk)


@staff_required
def incident_detail(request, pk: int):
    incident = _get(pk)
    links = incident.ticket_links.select_related(
        "ticket__client", "ticket__assignee__user", "ticket__resolver__user"
    )
    event_links = incident.event_links.select_related("event__client", "event__ticket")
    communications = incident.messages.select_related("published_by").annotate(
        sent=Count("deliveries", filter=Q(deliveries__status="sent")),
        failed=Count("deliveries", filter=Q(deliveries__status="failed")),
        total=Count("deliveries"),
    )
    clients = incident.affected_clients.annotate(
        recipients=Count("contacts", filter=Q(contacts__is_active=True) & ~Q(contacts__email=""))
    ).order_by("name")
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "links": links,
            "event_links": event_links,
            "communications": communications,
            "clients": clients,
            "link_form": LinkTicketsForm(),
            "client_form": ClientForm(),
            "next_update_form": NextUpdateForm(initial={"next_update_at": incident.next_update_at}),
            "now": timezone.now(),
            "overdue": incident.update_overdue(),
            "nav": "incidents",
        },
    )


@staff_required
def incident_edit(request, pk: int):
    incident = _get(pk)
    form = IncidentForm(
        request.POST or None,
        initial={
            "title": incident.title,
            "services": incident.services,
            "description": incident.description,
            "started_at": incident.started_at,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_edit(incident=incident, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("incidents:detail", incident.pk)
    return render(
        request, "incidents/form.html", {"form": form, "incident": incident, "nav": "incidents"}
    )


def _flash_errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@staff_required
@require_POST
def incident_link(request, pk: int):
    incident = _get(pk)
    form = LinkTicketsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("incidents:detail", incident.pk)
    for ticket in form.cleaned_data["references"]:
        try:
            services.incident_link_ticket(incident=incident, ticket=ticket, by=request.user)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("%s rattachée.") % ticket.reference)
    for event in form.cleaned_data["events"]:
        try:
            services.incident_link_event(incident=incident, event=event, by=request.user)
        except ValidationError as exc:
            _flash_errors(request, exc)
        else:
            messages.success(request, _("Événement de supervision n°%d rattaché.") % event.pk)
    return redirect("incidents:detail", incident.pk)


@staff_required
@require_POST
def incident_unlink(request, pk: int, ticket_pk: int):
    incident = _get(pk)
    ticket = get_object_or_404(Ticket, pk=ticket_pk, major_incident_link__incident=incident)
    services.incident_unlink_ticket(incident=incident, ticket=ticket, by=request.user)
    messages.success(request, _("%s détachée.") % ticket.reference)
    return redirect("incidents:detail", incident.pk)


@staff_required
@require_POST
def incident_unlink_event(request, pk: int, event_pk: int):
    incident = _get(pk)
    event = get_object_or_404(Event, pk=event_pk, major_incident_link__incident=incident)
    services.incident_unlink_event(incident=incident, event=event, by=request.user)
    messages.success(request, _("Événement de supervision n°%d détaché.") % event.pk)
    return redirect("incidents:detail", incident.pk)


@staff_required
@require_POST
def incident_client_add(request, pk: int):
    incident = _get(pk)
    form = ClientForm(request.POST)
    if form.is_valid():
        services.incident_add_client(
            incident=incident, client=form.cleaned_data["client"], by=request.user
        )
    else:
        messages.error(request, _("Choisissez un client."))
    return redirect("incidents:detail", incident.pk)


@staff_required
@require_POST
def incident_client_remove(request, pk: int, client_pk: int):
    incident = _get(pk)
    client = get_object_or_404(Client, pk=client_pk, major_incidents=incident)
    try:
        services.incident_remove_client(incident=incident, client=client, by=request.user)
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect("incidents:detail", incident.pk)


@staff_required
@require_POST
def incident_next_update(request, pk: int):
    incident = _get(pk)
    form = NextUpdateForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Date et heure invalides."))
        services.incident_set_next_update(
            incident=incident, by=request.user, at=form.cleaned_data["next_update_at"]
        )
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("Prochaine communication planifiée."))
    return redirect("incidents:detail", incident.pk)


def _suggested_kind(incident: MajorIncident) -> str:
    if not incident.messages.exists():
        return MessageKind.INITIAL
    return MessageKind.UPDATE


@policy_required(Action.INCIDENT_PUBLISH)
def incident_publish(request, pk: int):
    """Publish a communication; GET ``?kind=`` loads that template into the form."""
    incident = _get(pk)
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                message = services.incident_publish_message(
                    incident=incident,
                    kind=data["kind"],
                    subject=data["subject"],
                    body=data["body"],
                    next_update_at=data["next_update_at"],
                    by=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Communication publiée (%(kind)s) : %(n)d destinataire(s).")
                    % {"kind": message.get_kind_display(), "n": message.deliveries.count()},
                )
                return redirect("incidents:detail", incident.pk)
    else:
        kind = request.GET.get("kind") or _suggested_kind(incident)
        if kind not in MessageKind.values:
            kind = _suggested_kind(incident)
        next_update = None
        if kind != MessageKind.RESOLUTION:
            next_update = (timezone.localtime() + DEFAULT_UPDATE_INTERVAL).replace(
                second=0, microsecond=0
            )
        form = PublishForm(
            initial={
                "kind": kind,
                "subject": default_subject(incident, kind),
                "body": render_template_body(incident, kind, next_update_at=next_update),
                "next_update_at": next_update,
            }
        )
    return render(
        request,
        "incidents/publish.html",
        {
            "incident": incident,
            "form": form,
            "kinds": MessageKind.choices,
            "clients": incident.affected_clients.order_by("name"),
            "nav": "incidents",
        },
    )


@staff_required
def pir_edit(request, pk: int):
    incident = _get(pk)
    pir = PostIncidentReport.objects.filter(incident=incident).first()
    initial = {}
    if pir is not None:
        initial = {f: getattr(pir, f) for f in ("summary", "impact", "root_cause", "actions")}
    form = PirForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.pir_save(incident=incident, by=request.user, **form.cleaned_data)
        messages.success(request, _("Rapport enregistré."))
        return redirect("incidents:pir", incident.pk)
    return render(
        request,
        "incidents/pir_edit.html",
        {
            "incident": incident,
            "pir": pir,
            "form": form,
            "timeline": pir_timeline(incident),
            "duration": duration_label(incident),
            "nav": "incidents",
        },
    )


@policy_required(Action.INCIDENT_PUBLISH)
@require_POST
def pir_publish(request, pk: int):
    incident = _get(pk)
    try:
        if request.POST.get("publish") == "0":
            services.pir_unpublish(incident=incident, by=request.user)
            messages.success(request, _("Rapport retiré de l'extranet."))
        else:
            services.pir_publish(incident=incident, by=request.user)
            messages.success(request, _("Rapport publié sur l'extranet des clients impactés."))
    except ValidationError as exc:
        _flash_errors(request, exc)
    return redirect("incidents:pir", incident.pk)


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@staff_required
def pir_download(request, pk: int):
    """The internal version: every linked ticket's events, internal notes flagged."""
    incident = _get(pk)
    pir = PostIncidentReport.objects.filter(incident=incident).first()
    content = pir_pdf(incident, pir, pir_timeline(incident))
    return pdf_response(content, f"rapport-{incident.reference}-interne.pdf")
