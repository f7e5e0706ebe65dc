"""The technicians' queues: "Mes demandes" (home), "Escaladées vers moi" (the tickets an L2/L3
engineer resolves for another owner) and "File d'équipe"."""

from __future__ import annotations

from django.db.models import F
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.models import Technician, is_staff_member
from tickets.models import OPEN_STATES, Ticket
from tickets.selectors import (
    ACTIVE_STATES,
    queue_counters_shared,
    with_gti_status,
    with_unread_activity,
)

from ..access import staff_required
from ..filters import QueueFilter
from ..slapanel import countdown
from .paging import CURSOR_PARAMS, keyset_paginate

PAGE_SIZE = 25
# What a ticket row shows, loaded for the page's rows only (the follow-up link needs only the
# former ticket's reference: one column, not a second ticket row). The long texts and the
# commitments (JSON decoded per row) are never shown in a row.
ROWS_DEFERRED = ("description", "closure_synthesis", "gti_commitments")
ROWS = (
    Ticket.objects.select_related("client", "contact", "site", "assignee__user", "resolver__user")
    .annotate(follow_up_of_reference=F("follow_up_of__reference"))
    .defer(*ROWS_DEFERRED)
)


def home(request):
    """Staff land on their own queue; a client contact is sent to the extranet."""
    if request.user.is_authenticated and not is_staff_member(request.user):
        return redirect("/extranet/")
    return my_queue(request)


def row_loader(user):
    """The page's rows with what a row shows, and whether the client spoke since ``user`` last
    opened each ticket (an EXISTS per row of the page, in the same query)."""
    return with_unread_activity(ROWS, user)


@staff_required
def my_queue(request):
    return _queue(request, "mine")


@staff_required
def escalated_queue(request):
    return _queue(request, "escalated")


@staff_required
def team_queue(request):
    return _queue(request, "team")


# The choice fields a row shows by label.
LABELLED = ("urgency", "state", "complexity")


def choice_labels() -> dict[str, dict[str, str]]:
    """{field: {value: label}} in the active language. Built once per page: Django's
    ``get_FOO_display`` hashes every lazy label of the field (a translation lookup each) on
    every call, a dozen lookups per row."""
    return {
        name: {value: str(label) for value, label in Ticket._meta.get_field(name).flatchoices}
        for name in LABELLED
    }


def decorate(rows, now) -> list[Ticket]:
    """GTI status, countdown data and the labels of its choices on each row (no queries)."""
    rows = with_gti_status(rows, now)
    labels = choice_labels()
    for ticket in rows:
        ticket.countdown = countdown(ticket.gti, ticket.gti_basis, now)
        for name in LABELLED:
            value = getattr(ticket, name)
            setattr(ticket, f"{name}_label", labels[name].get(value, value))
        # Only search results carry a snippet; a missing attribute costs the template a dir()
        # of the model per row.
        if not hasattr(ticket, "snippet"):
            ticket.snippet = ""
    return rows


def _scope(kind: str, me: Technician | None):
    """The queue's tickets and the states it shows when no state is chosen: the resolver's
    work ends at resolution (the owner closes), so that queue shows open tickets only."""
    if kind == "team":
        return Ticket.objects.all(), ACTIVE_STATES
    if me is None:
        return Ticket.objects.none(), ACTIVE_STATES
    if kind == "escalated":
        return Ticket.objects.filter(resolver=me), OPEN_STATES
    return Ticket.objects.filter(assignee=me), ACTIVE_STATES


TITLES = {
    "mine": _("Mes demandes"),
    "escalated": _("Escaladées vers moi"),
    "team": _("File d'équipe"),
}
EMPTY = {
    "mine": _("Aucune demande en cours ne vous est affectée."),
    "escalated": _("Aucune demande ouverte ne vous est escaladée."),
    "team": _("Aucune demande ne correspond à ces filtres."),
}


def _queue(request, kind: str):
    now = timezone.now()
    technicians = list(Technician.objects.select_related("user"))
    me = next((t for t in technicians if t.user_id == request.user.pk), None)
    base, states = _scope(kind, me)
    filters = QueueFilter(request.GET, base, technicians=technicians, me=me, now=now, states=states)
    # Keyset pages on the sort key: the database reads the page's rows from an index in the
    # queue's order instead of sorting the whole queue (issue 23).
    page = keyset_paginate(request, filters.qs, row_loader(request.user), PAGE_SIZE)
    rows = decorate(page.object_list, now)
    # Over the queue's default scope: each counter counts exactly the rows its link lists (the
    # unfiltered queue, ?sla=at_risk, ?sla=breached, ?awaiting=on), by index-only counts; a
    # large queue's counts are shared a few seconds between requests (issue 23).
    key = kind if kind == "team" else f"{kind}:{me.pk if me else 0}"
    counters = queue_counters_shared(key, base.filter(state__in=states), now)
    context = {
        "mine": kind == "mine",
        "queue": kind,
        "title": str(TITLES[kind]),
        "empty_text": EMPTY[kind],
        "form": filters.form,
        "page": page,
        "rows": rows,
        "counters": counters,
        "now": now,
        "me": me,
        "querystring": _without_page(request),
    }
    if request.htmx and request.htmx.target == "queue-rows":
        return render(request, "backoffice/_queue_rows.html", context)
    return render(request, "backoffice/queue.html", context)


def _without_page(request) -> str:
    params = request.GET.copy()
    for name in CURSOR_PARAMS:
        params.pop(name, None)
    return params.urlencode()
