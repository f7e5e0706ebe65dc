"""The manager's dispatch screen: tickets to arbitrate with ranked suggestions, one-click and
bulk assignment, and the team board. Manager and deputy only.

Technicians and their workload are loaded once per page (two queries), who is off shift in one
more (``shifts.selectors``), then every ticket's ranking is computed in memory
(``tickets.dispatch``): no query per ticket or per technician.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.messages import get_messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from oceanis.messages import Message, per_language
from shifts.selectors import off_shift_owner_ids
from staff.models import Level, Team, Technician
from tickets.dispatch import (
    dispatch_count,
    dispatch_tickets,
    spread,
    suggestions_for,
    team_workload,
)
from tickets.models import Ticket
from tickets.selectors import with_unread_activity
from tickets.services import TicketTransitionError, ticket_assign

from ..access import manager_required
from .paging import keyset_paginate
from .queues import ROWS_DEFERRED, decorate

PAGE_SIZE = 20
SHOWN_SUGGESTIONS = 3


def shown_suggestions(ranked: list) -> dict:
    """The first suggestions with their buttons, the others in a list; the contract's referent
    always has a button, even when ranked after them for being below the required level: the
    dispatcher sees the client's usual technician and why they are not the first choice."""
    top, more = ranked[:SHOWN_SUGGESTIONS], ranked[SHOWN_SUGGESTIONS:]
    referent = next((s for s in more if s.referent), None)
    if referent is not None:
        top = [*top, referent]
        more = [s for s in more if s is not referent]
    return {"top": top, "more": more}


def label_technicians(workloads) -> None:
    """Each technician's name and the labels of their level and team, computed once per page
    on the instances every suggestion and the team board share: Django's ``get_FOO_display``
    translates every label of the field on each call (issue 23)."""
    levels = {value: str(label) for value, label in Level.choices}
    teams = {value: str(label) for value, label in Team.choices}
    for load in workloads:
        technician = load.technician
        technician.display_name = str(technician)
        technician.level_label = levels.get(technician.level, technician.level)
        technician.team_label = teams.get(technician.team, technician.team)


def dispatch_context(request) -> dict:
    now = timezone.now()
    workloads = team_workload(now)
    label_technicians(workloads)
    off_shift = off_shift_owner_ids(now)
    ordered = dispatch_tickets(now, off_shift)
    # A keyset page (the index on the deadline order), ranked alone: the other tickets to
    # arbitrate are ranked when their page is asked for (issue 23).
    loader = with_unread_activity(ordered.defer(*ROWS_DEFERRED), request.user)
    page = keyset_paginate(request, ordered, loader, PAGE_SIZE)
    tickets = decorate(page.object_list, now)
    ranked = suggestions_for(tickets, workloads, off_shift)
    rows = [
        {
            "ticket": ticket,
            "orphaned": ticket.assignee_id in off_shift,
            **shown_suggestions(ranked[ticket.pk]),
        }
        for ticket in tickets
    ]
    board = sorted(workloads, key=lambda w: (-w.at_risk, -w.weighted, str(w.technician)))
    return {
        "rows": rows,
        "page": page,
        "todo_count": dispatch_count(now, off_shift),
        "board": board,
        "technicians": sorted((w.technician for w in workloads), key=str),
        "off_shift": off_shift,
        "now": now,
    }


def _render(request):
    context = dispatch_context(request)
    if request.htmx:
        # Partial refresh: messages are shown in the refreshed region (aria-live) right away.
        context["flash"] = list(get_messages(request))
        return render(request, "backoffice/_dispatch_live.html", context)
    return render(request, "backoffice/dispatch.html", context)


@manager_required
def dispatch(request):
    return _render(request)


def _note(ticket: Ticket, technician: Technician, workloads, off_shift) -> Message:
    """Record which suggestion the arbitration followed (or that it overrode them). The reasons
    are the ranking's own texts, kept in every language so each reader sees theirs."""

    def followed():
        ranked = suggestions_for([ticket], workloads, off_shift)[ticket.pk]
        return next((s for s in ranked if s.technician.pk == technician.pk), None)

    suggestion = followed()
    if suggestion is None:
        return Message("dispatch.off_suggestions")
    return Message(
        "dispatch.suggestion",
        rank=suggestion.rank,
        reasons=per_language(lambda: " ; ".join(followed().reasons)),
    )


@manager_required
@require_POST
def dispatch_assign(request):
    """One click: assign (or reassign) a ticket; the event records who arbitrated."""
    ticket = get_object_or_404(
        Ticket.objects.select_related("contract"), reference=request.POST.get("ticket", "")
    )
    raw = request.POST.get("technician", "")
    if raw == "other":  # chosen in the list of the other technicians
        raw = request.POST.get("other", "")
    technician = Technician.objects.select_related("user").filter(pk=raw if raw.isdigit() else None)
    technician = technician.first()
    if technician is None:
        messages.error(request, _("Choisissez un technicien."))
        return _after(request)
    try:
        ticket_assign(
            ticket=ticket,
            technician=technician,
            by=request.user,
            note=_note(ticket, technician, team_workload(), off_shift_owner_ids(timezone.now())),
        )
    except TicketTransitionError as exc:
        messages.error(request, str(exc))
        return _after(request)
    messages.success(
        request,
        _("%(ref)s affectée à %(name)s.") % {"ref": ticket.reference, "name": technician},
    )
    return _after(request)


@manager_required
@require_POST
def dispatch_bulk(request):
    """Assign the selected tickets to one technician, or each to its best suggestion."""
    references = request.POST.getlist("tickets")
    tickets = list(
        Ticket.objects.select_related("contract")
        .filter(reference__in=references)
        .order_by("gti_deadline", "created_at", "pk")
    )
    if not tickets:
        messages.error(request, _("Sélectionnez au moins une demande."))
        return _after(request)
    choice = request.POST.get("technician", "")
    workloads = team_workload()
    off_shift = off_shift_owner_ids(timezone.now())
    if choice == "auto":
        plan = [(t, s.technician) for t, s in spread(tickets, workloads, off_shift)]
    else:
        technician = Technician.objects.filter(pk=choice if choice.isdigit() else None).first()
        if technician is None:
            messages.error(request, _("Choisissez un technicien ou « 1ʳᵉ suggestion »."))
            return _after(request)
        plan = [(t, technician) for t in tickets]
    done, refused = 0, []
    for ticket, technician in plan:
        try:
            ticket_assign(
                ticket=ticket,
                technician=technician,
                by=request.user,
                note=_note(ticket, technician, workloads, off_shift),
            )
        except TicketTransitionError as exc:
            refused.append(str(exc))
        else:
            done += 1
    if done:
        messages.success(
            request,
            ngettext("%(count)d demande affectée.", "%(count)d demandes affectées.", done)
            % {"count": done},
        )
    if len(plan) < len(tickets):
        messages.info(
            request,
            _("%(count)d demande(s) déjà chez le technicien le mieux placé ou sans candidat.")
            % {"count": len(tickets) - len(plan)},
        )
    for message in refused:
        messages.error(request, message)
    return _after(request)


def _after(request):
    """htmx: the refreshed list with the messages (always 200: htmx does not swap errors);
    otherwise back to the dispatch page, where the messages are shown."""
    if request.htmx:
        return _render(request)
    return redirect("backoffice:dispatch")
