"""One request: detail, comment, confirm or reopen; and the new-request form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.models import State
from tickets.selectors import ticket_gti_status
from tickets.services import TicketTransitionError

from .. import actions
from ..access import contact_required
from ..forms import CommentForm, ReopenForm, RequestForm
from ..queries import request_timeline
from ..scoping import visible_attachments, visible_sites, visible_tickets


def _scoped_ticket(request, ticket_id: int):
    return get_object_or_404(
        visible_tickets(request.contact).select_related("site", "contact", "assignee__user"),
        pk=ticket_id,
    )


def _render_detail(request, ticket, *, comment_form=None, reopen_form=None, status=200):
    timeline = list(request_timeline(ticket))
    return render(
        request,
        "extranet/request.html",
        {
            "ticket": ticket,
            "gti": ticket_gti_status(ticket),
            "timeline": timeline,
            "reports": [e for e in timeline if e.kind == "report"],
            "history": [e for e in timeline if e.kind == "transition"],
            "attachments": visible_attachments(request.contact).filter(ticket=ticket),
            "comment_form": comment_form or CommentForm(),
            "reopen_form": reopen_form or ReopenForm(),
            "can_comment": ticket.state not in (State.CLOSED, State.CANCELLED),
            "awaiting_confirmation": ticket.state == State.RESOLVED,
            "nav": "home",
        },
        status=status,
    )


@contact_required
def request_detail(request, ticket_id: int):
    return _render_detail(request, _scoped_ticket(request, ticket_id))


@contact_required
@require_POST
def request_comment(request, ticket_id: int):
    ticket = _scoped_ticket(request, ticket_id)
    form = CommentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            actions.comment_add(
                contact=request.contact,
                ticket=ticket,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except (ValidationError, TicketTransitionError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _("Votre commentaire a été ajouté à la demande."))
            return redirect("extranet:request", ticket_id=ticket.pk)
    return _render_detail(request, ticket, comment_form=form, status=400)


@contact_required
@require_POST
def request_confirm(request, ticket_id: int):
    ticket = _scoped_ticket(request, ticket_id)
    try:
        actions.resolution_confirm(contact=request.contact, ticket=ticket)
    except (ValidationError, TicketTransitionError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Merci ! La demande est clôturée."))
    return redirect("extranet:request", ticket_id=ticket.pk)


@contact_required
@require_POST
def request_reopen(request, ticket_id: int):
    ticket = _scoped_ticket(request, ticket_id)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            actions.resolution_reject(
                contact=request.contact, ticket=ticket, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, TicketTransitionError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, _("La demande est rouverte : le technicien reprend la main."))
        return redirect("extranet:request", ticket_id=ticket.pk)
    return _render_detail(request, ticket, reopen_form=form, status=400)


@contact_required
def request_new(request):
    contact = request.contact
    sites = visible_sites(contact)
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES, sites=sites)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = actions.request_create(
                    contact=contact,
                    title=data["title"],
                    description=data["description"],
                    urgency=data["urgency"],
                    site=data.get("site") or form.default_site or contact.site,
                    files=data["files"],
                )
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                messages.success(
                    request,
                    _("Votre demande %(ref)s est enregistrée. Un e-mail de confirmation suit.")
                    % {"ref": ticket.reference},
                )
                return redirect("extranet:request", ticket_id=ticket.pk)
    else:
        initial = {"site": contact.site} if contact.site_id else {}
        form = RequestForm(sites=sites, initial=initial)
    return render(
        request,
        "extranet/request_new.html",
        {"form": form, "nav": "new"},
        status=400 if form.is_bound else 200,
    )
