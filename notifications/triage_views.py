"""The triage queue (staff): mails inbound processing set aside ("À trier") and what to do
with each — open a ticket for a contact (created if needed), add to a ticket, spam, ignore."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import staff_required
from oceanis.forms import add_service_errors
from staff.models import is_staff_member

from . import selectors, services
from .triage_forms import AppendForm, IgnoreForm, OpenTicketForm

PAGE_SIZE = 50


@staff_required
@require_GET
def triage_queue(request):
    page = Paginator(selectors.triage_queue(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/triage_queue.html",
        {"page": page, "decisions": selectors.recent_decisions()},
    )


@require_GET
def triage_counter(request):
    """The count beside the bell, refreshed by htmx. An expired session answers 401 (htmx would
    swap a login page into the top bar)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    if not is_staff_member(request.user):
        raise PermissionDenied
    return render(
        request, "notifications/_triage_counter.html", {"triage_count": selectors.triage_count()}
    )


def _message_or_404(pk: int):
    message = selectors.triage_message(pk)
    if message is None:
        raise Http404
    return message


def _page(request, message, **forms):
    first, last = services.sender_name(message)
    suggested = selectors.suggested_clients(message)
    initial = {"first_name": first, "last_name": last}
    if len(suggested) == 1:  # the only client with contacts at the sender's domain
        initial["client"] = suggested[0].pk
    context = {
        "message": message,
        "decision": getattr(message, "triage_decision", None),
        "suggested": suggested,
        "ticket_form": OpenTicketForm(initial=initial),
        "append_form": AppendForm(),
        "ignore_form": IgnoreForm(),
        **forms,
    }
    return render(
        request, "notifications/triage_message.html", context, status=400 if forms else 200
    )


@staff_required
@require_GET
def triage_message(request, pk: int):
    return _page(request, _message_or_404(pk))


def _done(request, decision) -> HttpResponse:
    messages.success(
        request,
        _("Mail trié : %(action)s%(ref)s.")
        % {
            "action": decision.get_action_display(),
            "ref": f" ({decision.ticket.reference})" if decision.ticket_id else "",
        },
    )
    return redirect("triage:queue")


@staff_required
@require_POST
def triage_open_ticket(request, pk: int):
    message = _message_or_404(pk)
    form = OpenTicketForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.triage_open_ticket(
                message=message,
                by=request.user,
                client=data["client"],
                contact=data["contact"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, decision)
    return _page(request, message, ticket_form=form)


@staff_required
@require_POST
def triage_append(request, pk: int):
    message = _message_or_404(pk)
    form = AppendForm(request.POST)
    if form.is_valid():
        try:
            decision = services.triage_append(
                message=message, by=request.user, ticket=form.cleaned_data["reference"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, decision)
    return _page(request, message, append_form=form)


@staff_required
@require_POST
def triage_spam(request, pk: int):
    message = _message_or_404(pk)
    try:
        decision = services.triage_spam(message=message, by=request.user)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("triage:message", message.pk)
    return _done(request, decision)


@staff_required
@require_POST
def triage_ignore(request, pk: int):
    message = _message_or_404(pk)
    form = IgnoreForm(request.POST)
    if form.is_valid():
        try:
            decision = services.triage_ignore(
                message=message, by=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, decision)
    return _page(request, message, ignore_form=form)
