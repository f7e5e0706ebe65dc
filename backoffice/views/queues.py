"""The technicians' queues: "Mes demandes" (home), "Escaladées vers moi" (the tickets an L2/L3
engineer resolves for another owner) and "File d'équipe"."""

from __future__ import annotations

from django.db.models import Case, Count, F, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sla.policy import URGENCY_RANK
from staff.models import Technician, is_staff_member
from tickets.models import NOT_TAKEN_STATES, OPEN_STATES, Ticket
from tickets.selectors import (
    ACTIVE_STATES,
    at_risk_q,
    awaiting_answer_q,
    breached_q,
    with_gti_status,
    with_unread_activity,
)

from ..access import staff_required
from ..forms import QueueFilterForm
from ..slapanel import countdown
from .paging import paginate

PAGE_SIZE = 25
# What a ticket row shows, loaded for the page's rows only (the follow-up link needs only the
# former ticket's reference: one column, not a second ticket row).
ROWS = Ticket.objects.select_related(
    "client", "contact", "site", "assignee__user", "resolver__user"
).annotate(follow_up_of_reference=F("follow_up_of__reference"))

URGENCY_ORDER = Case(
    *(When(urgency=u.value, then=Value(rank)) for u, rank in URGENCY_RANK.items()),
    output_field=IntegerField(),
)
# Tickets whose GTI clock still runs come first: for the others the deadline is history.
CLOCK_STOPPED = Case(
    When(state__in=NOT_TAKEN_STATES, then=Value(0)), default=Value(1), output_field=IntegerField()
)
SORTS = {
    "deadline": ("clock_stopped", "gti_deadline", "created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "created": ("created_at", "pk"),
    "urgency": ("-urgency_order", "gti_deadline", "pk"),
}


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


def filter_queue(qs, data: dict, *, me: Technician | None, now, states=ACTIVE_STATES):
    """Apply the (validated) filter values to a ticket queryset; ``states`` when no state is
    chosen."""
    state = data.get("state")
    qs = qs.filter(state=state) if state else qs.filter(state__in=states)
    if data.get("client"):
        qs = qs.filter(client=data["client"])
    if data.get("urgency"):
        qs = qs.filter(urgency=data["urgency"])
    assignee = data.get("assignee")
    if assignee == "me":
        qs = qs.filter(assignee=me) if me else qs.none()
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee_id=assignee)
    if data.get("sla") == "at_risk":
        qs = qs.filter(at_risk_q(now))
    elif data.get("sla") == "breached":
        qs = qs.filter(breached_q(now))
    if data.get("awaiting"):
        qs = qs.filter(awaiting_answer_q())
    sort = data.get("sort") or "deadline"
    if sort == "urgency":
        qs = qs.annotate(urgency_order=URGENCY_ORDER)
    elif sort == "deadline":
        qs = qs.annotate(clock_stopped=CLOCK_STOPPED)
    return qs.order_by(*SORTS[sort])


def decorate(rows, now) -> list[Ticket]:
    """GTI status and countdown data on each row (no queries)."""
    rows = with_gti_status(rows, now)
    for ticket in rows:
        ticket.countdown = countdown(ticket.gti, ticket.gti_basis, now)
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
    form = QueueFilterForm(request.GET or None, technicians=technicians)
    data = form.cleaned_data if form.is_valid() else getattr(form, "cleaned_data", {})
    base, states = _scope(kind, me)
    ordered = filter_queue(base, data, me=me, now=now, states=states)
    page = paginate(request, ordered, row_loader(request.user), PAGE_SIZE)
    rows = decorate(page.object_list, now)
    # One aggregate over the queue's default scope: each counter counts exactly the rows its
    # link lists (the unfiltered queue, ?sla=at_risk, ?sla=breached, ?awaiting=on).
    counters = base.filter(state__in=states).aggregate(
        active=Count("pk"),
        at_risk=Count("pk", filter=at_risk_q(now)),
        breached=Count("pk", filter=breached_q(now)),
        awaiting=Count("pk", filter=awaiting_answer_q()),
    )
    context = {
        "mine": kind == "mine",
        "queue": kind,
        "title": str(TITLES[kind]),
        "empty_text": EMPTY[kind],
        "form": form,
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
    params.pop("page", None)
    return params.urlencode()
