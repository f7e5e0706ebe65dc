"""One request: detail, comment, confirm or reopen; and the new-request form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from knowledge import services as knowledge_services
from tickets.autoclose import planned_closure
from tickets.models import State
from tickets.selectors import ticket_gti_status
from tickets.services import ReplyOutcome, TicketTransitionError
from tickets.services.conversation import reply_opens_follow_up

from .. import services
from ..access import contact_required
from ..forms import CommentForm, ReopenForm, RequestForm
from ..selectors import (
    request_timeline,
    visible_attachments,
    visible_sites,
    visible_tickets,
)


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
            "can_comment": ticket.state != State.CANCELLED,
            "comment_opens_follow_up": reply_opens_follow_up(ticket),
            "follow_up_of": _visible_or_none(request, ticket.follow_up_of_id),
            "follow_ups": visible_tickets(request.contact)
            .filter(follow_up_of=ticket)
            .only("pk", "reference"),
            "awaiting_confirmation": ticket.state == State.RESOLVED,
            "closes_at": planned_closure(ticket),
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
            reply = services.comment_add(
                contact=request.contact,
                ticket=ticket,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
            )
        except (ValidationError, TicketTransitionError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _reply_message(ticket, reply.outcome, reply.ticket))
            return redirect("extranet:request", ticket_id=reply.ticket.pk)
    return _render_detail(request, ticket, comment_form=form, status=400)


def _reply_message(ticket, outcome: ReplyOutcome, landed) -> str:
    if outcome == ReplyOutcome.FOLLOW_UP:
        return _(
            "La demande %(old)s est clôturée : votre commentaire ouvre la demande %(ref)s, "
            "qui en est la suite."
        ) % {"old": ticket.reference, "ref": landed.reference}
    if outcome == ReplyOutcome.REOPENED:
        return _("Votre commentaire a rouvert la demande : le technicien reprend la main.")
    if outcome == ReplyOutcome.RESUMED:
        return _("Merci pour votre réponse : le technicien reprend le traitement de la demande.")
    return _("Votre commentaire a été ajouté à la demande.")


def _visible_or_none(request, ticket_id):
    if ticket_id is None:
        return None
    return visible_tickets(request.contact).filter(pk=ticket_id).only("pk", "reference").first()


@contact_required
@require_POST
def request_confirm(request, ticket_id: int):
    ticket = _scoped_ticket(request, ticket_id)
    try:
        services.resolution_confirm(contact=request.contact, ticket=ticket)
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
            landed = services.resolution_reject(
                contact=request.contact, ticket=ticket, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, TicketTransitionError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            if landed.pk != ticket.pk:
                messages.success(request, _reply_message(ticket, ReplyOutcome.FOLLOW_UP, landed))
                return redirect("extranet:request", ticket_id=landed.pk)
            messages.success(request, _("La demande est rouverte : le technicien reprend la main."))
        return redirect("extranet:request", ticket_id=ticket.pk)
    return _render_detail(request, ticket, reopen_form=form, status=400)


@contact_required
def request_new(request):
    contact = request.contact
    sites = visible_sites(contact)
    # The suggestions shown while the title is typed, and what came of them, are counted per
    # form (knowledge.Deflection): the token travels with the form.
    deflection = request.POST.get("deflection", "")
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES, sites=sites)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.request_create(
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
                if deflection:
                    knowledge_services.deflection_submitted(
                        token=deflection, contact=contact, ticket=ticket
                    )
                messages.success(
                    request,
                    _("Votre demande %(ref)s est enregistrée. Un e-mail de confirmation suit.")
                    % {"ref": ticket.reference},
                )
                return redirect("extranet:request", ticket_id=ticket.pk)
    else:
        initial = {"site": contact.site} if contact.site_id else {}
        form = RequestForm(sites=sites, initial=initial)
        deflection = str(knowledge_services.deflection_start(contact=contact).token)
    return render(
        request,
        "extranet/request_new.html",
        {"form": form, "nav": "new", "deflection": deflection},
        status=400 if form.is_bound else 200,
    )
