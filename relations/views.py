"""The ticket page's "Demandes liées" panel (loaded by htmx) and its POST endpoints.

Errors (unknown reference, merge refused by the rules) come back to the ticket page as a
message naming the problem; nothing is written."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import staff_required
from tickets.models import Ticket
from tickets.services import TicketTransitionError

from . import services
from .forms import LinkForm, MergeForm, SplitForm
from .models import TicketLink
from .selectors import ticket_relations

SPLITTABLE = ("report", "note", "email_in")


def _ticket(reference: str) -> Ticket:
    return get_object_or_404(Ticket.objects.select_related("client"), reference=reference)


def _back(ticket: Ticket):
    return redirect(reverse("backoffice:ticket", args=[ticket.reference]) + "#relations")


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@staff_required
@require_GET
def relations_panel(request, reference: str):
    ticket = _ticket(reference)
    entries = ticket.events.filter(kind__in=SPLITTABLE).only("pk", "at", "kind", "body")
    return render(
        request,
        "relations/_panel.html",
        {
            "ticket": ticket,
            **ticket_relations(ticket),
            "link_form": LinkForm(auto_id="id_link_%s"),
            "merge_form": MergeForm(auto_id="id_merge_%s"),
            "split_form": SplitForm(auto_id="id_split_%s"),
            "entries": list(entries.order_by("-at", "-pk")[:50]),
        },
    )


def _run(request, ticket, call, done: str):
    try:
        call()
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    except (TicketTransitionError, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return _back(ticket)


@staff_required
@require_POST
def link_add(request, reference: str):
    ticket = _ticket(reference)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(ticket)
    data = form.cleaned_data
    return _run(
        request,
        ticket,
        lambda: services.link_create(
            source=ticket,
            target=data["target"],
            kind=data["kind"],
            public=data["public"],
            by=request.user,
        ),
        _("Lien ajouté."),
    )


@staff_required
@require_POST
def link_remove(request, pk: int):
    link = get_object_or_404(TicketLink.objects.select_related("source", "target"), pk=pk)
    back = link.source
    if request.POST.get("from") == link.target.reference:
        back = link.target
    return _run(
        request, back, lambda: services.link_delete(link=link, by=request.user), _("Lien retiré.")
    )


@staff_required
@require_POST
def merge(request, reference: str):
    ticket = _ticket(reference)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(ticket)
    target = form.cleaned_data["target"]
    try:
        services.ticket_merge(
            source=ticket, target=target, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _back(ticket)
    except (TicketTransitionError, PermissionDenied) as exc:
        messages.error(request, str(exc))
        return _back(ticket)
    messages.success(
        request,
        _("%(source)s est fusionnée dans %(target)s.")
        % {"source": ticket.reference, "target": target.reference},
    )
    return _back(target)


@staff_required
@require_POST
def split(request, reference: str):
    ticket = _ticket(reference)
    form = SplitForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(ticket)
    event = ticket.events.filter(pk=form.cleaned_data["event"]).first()
    if event is None:
        messages.error(request, _("Cette entrée n'appartient pas à la demande."))
        return _back(ticket)
    try:
        created = services.ticket_split_entry(
            ticket=ticket, event=event, by=request.user, title=form.cleaned_data["title"]
        )
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return _back(ticket)
    messages.success(request, _("Nouvelle demande %(ref)s créée.") % {"ref": created.reference})
    return _back(created)
