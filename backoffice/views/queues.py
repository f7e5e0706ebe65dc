"""The technicians' queues: "Mes demandes" (home) and "File d'équipe"."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.policy import URGENCY_RANK
from staff.models import Technician, is_staff_member
from tickets.models import NOT_TAKEN_STATES, OPEN_STATES, State, Ticket
from tickets.selectors import at_risk_q, breached_q, with_gti_status

from ..access import staff_required
from ..forms import QueueFilterForm
from ..slapanel import countdown
from .paging import paginate

PAGE_SIZE = 25
# What a ticket row shows, loaded for the page's rows only.
ROWS = Ticket.objects.select_related("client", "contact", "site", "assignee__user")
# What a queue shows by default: open tickets and resolved ones still waiting to be closed.
ACTIVE_STATES = (*OPEN_STATES, State.RESOLVED)

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


@staff_required
def my_queue(request):
    return _queue(request, mine=True)


@staff_required
def team_queue(request):
    return _queue(request, mine=False)


def filter_queue(qs, data: dict, *, me: Technician | None, now):
    """Apply the (validated) filter values to a ticket queryset."""
    state = data.get("state")
    qs = qs.filter(state=state) if state else qs.filter(state__in=ACTIVE_STATES)
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


def _queue(request, *, mine: bool):
    now = timezone.now()
    technicians = list(Technician.objects.select_related("user"))
    me = next((t for t in technicians if t.user_id == request.user.pk), None)
    form = QueueFilterForm(request.GET or None, technicians=technicians)
    data = form.cleaned_data if form.is_valid() else getattr(form, "cleaned_data", {})
    base = Ticket.objects.all()
    if mine:
        base = base.filter(assignee=me) if me else base.none()
    page = paginate(request, filter_queue(base, data, me=me, now=now), ROWS, PAGE_SIZE)
    rows = decorate(page.object_list, now)
    scope = base.filter(state__in=OPEN_STATES)
    counters = scope.aggregate(
        open=Count("pk"),
        at_risk=Count("pk", filter=at_risk_q(now)),
        breached=Count("pk", filter=breached_q(now)),
    )
    context = {
        "mine": mine,
        "title": _("Mes demandes") if mine else _("File d'équipe"),
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
