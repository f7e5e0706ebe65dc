"""Staff page for one ticket's BUILD side: its project link and L3 escalation to a BUILD engineer.

Linked from the back-office ticket page; writes go through ``projects.links``.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.services import TicketTransitionError

from .capacity import build_engineers_by_free_time
from .forms import BuildEscalationForm, TicketLinkForm
from .links import escalate_to_build_engineer, project_of, suggested_project, ticket_link_project
from .views import staff_required


def _ticket(pk: int) -> Ticket:
    related = ("client", "assignee__user", "resolver__user")
    return get_object_or_404(Ticket.objects.select_related(*related), pk=pk)


def _page(request, ticket: Ticket, *, link_form=None, escalation_form=None, status=200):
    ranked = build_engineers_by_free_time()
    project = project_of(ticket)
    context = {
        "ticket": ticket,
        "project": project,
        "suggested": None if project else suggested_project(ticket),
        "link_form": link_form
        or TicketLinkForm(client_id=ticket.client_id, initial={"project": project}),
        "escalation_form": escalation_form or BuildEscalationForm(ranked=ranked),
        "escalations": ticket.build_escalations.select_related("engineer__user", "by"),
        "nav": "projects",
    }
    return render(request, "projects/ticket.html", context, status=status)


@staff_required
def ticket_build(request, pk: int):
    return _page(request, _ticket(pk))


@staff_required
def ticket_link(request, pk: int):
    ticket = _ticket(pk)
    if request.method != "POST":
        return redirect("projects:ticket", pk=ticket.pk)
    form = TicketLinkForm(request.POST, client_id=ticket.client_id)
    if form.is_valid():
        try:
            ticket_link_project(
                ticket=ticket, project=form.cleaned_data["project"], by=request.user
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Demande rattachée au projet « %(project)s ».")
                % {"project": form.cleaned_data["project"]},
            )
            return redirect("projects:ticket", pk=ticket.pk)
    return _page(request, ticket, link_form=form, status=400)


@staff_required
def ticket_escalate(request, pk: int):
    ticket = _ticket(pk)
    if request.method != "POST":
        return redirect("projects:ticket", pk=ticket.pk)
    form = BuildEscalationForm(request.POST, ranked=build_engineers_by_free_time())
    if form.is_valid():
        try:
            escalation = escalate_to_build_engineer(
                ticket=ticket,
                engineer=form.cleaned_data["engineer"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except TicketTransitionError as exc:
            form.add_error(None, str(exc))
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return _page(request, ticket, escalation_form=form, status=403)
        else:
            messages.success(
                request,
                _("Escalade N3 vers %(engineer)s enregistrée.") % {"engineer": escalation.engineer},
            )
            return redirect("projects:ticket", pk=ticket.pk)
    return _page(request, ticket, escalation_form=form, status=400)
