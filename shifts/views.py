"""Shift planning and the shift handover screen."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backoffice.access import staff_required, technician_of, user_is_manager
from oceanis.forms import add_service_errors
from staff import policy
from staff.models import Technician
from staff.policy import Action

from . import services
from .forms import AssignForm, HandoverForm
from .models import Handover, Shift, ShiftAssignment
from .selectors import incoming_agents, on_duty, open_tickets_of, orphaned_tickets

PLANNING_DAYS = 7


@staff_required
def planning(request):
    today = timezone.localdate()
    days = [today + timedelta(days=n) for n in range(PLANNING_DAYS)]
    shifts = list(Shift.objects.filter(is_active=True))
    cells: dict[tuple[int, object], list] = {}
    for a in ShiftAssignment.objects.filter(day__in=days).select_related("technician__user"):
        cells.setdefault((a.shift_id, a.day), []).append(a)
    grid = [(s, [(d, cells.get((s.pk, d), [])) for d in days]) for s in shifts]
    return render(
        request,
        "shifts/planning.html",
        {
            "days": days,
            "grid": grid,
            "on_duty": on_duty(),
            "orphaned": list(orphaned_tickets()),
            "form": AssignForm(initial={"first_day": today, "last_day": today}),
            "may_plan": policy.allows(request.user, Action.SHIFT_PLAN),
            "nav": "shifts",
        },
    )


@staff_required
@require_POST
def assign(request):
    policy.check(request.user, Action.SHIFT_PLAN)
    form = AssignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.shift_assign(
                shift=data["shift"],
                technician=data["technician"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                weekdays=set(data["weekdays"]) or None,
                by=request.user,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%d affectation(s) créée(s).") % created)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("shifts:planning")


@staff_required
@require_POST
def unassign(request, pk: int):
    policy.check(request.user, Action.SHIFT_PLAN)
    services.shift_unassign(assignment=get_object_or_404(ShiftAssignment, pk=pk), by=request.user)
    return redirect("shifts:planning")


@staff_required
def handover(request):
    """The outgoing agent (or a manager for them) passes every open ticket on, in one POST."""
    me = technician_of(request.user)
    outgoing = me
    wanted = request.POST.get("from") or request.GET.get("from")
    if wanted and not wanted.isdecimal():
        raise Http404  # not a technician's id: no such outgoing agent (never a 500)
    if wanted and (me is None or str(me.pk) != wanted):
        outgoing = get_object_or_404(Technician.objects.select_related("user"), pk=wanted)
        policy.check(request.user, Action.SHIFT_HANDOVER, outgoing)
    if outgoing is None:
        return render(
            request, "shifts/handover.html", {"outgoing": None, "nav": "handover"}, status=200
        )
    tickets = open_tickets_of(outgoing)
    agents = incoming_agents(exclude=outgoing)
    form = HandoverForm(
        request.POST or None,
        tickets=tickets,
        agents=agents,
        initial={"to_technician": agents[0].pk if agents else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = services.handover_perform(
                from_technician=outgoing,
                to_technician=form.cleaned_data["to_technician"],
                items=form.items(),
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Relève enregistrée : %(n)d demande(s) transmise(s) à %(to)s.")
                % {"n": done.items.count(), "to": done.to_technician},
            )
            return redirect("shifts:handover")
    return render(
        request,
        "shifts/handover.html",
        {
            "outgoing": outgoing,
            "form": form,
            "agents": agents,
            "others": Technician.objects.select_related("user").exclude(pk=outgoing.pk)
            if user_is_manager(request)
            else [],
            "recent": Handover.objects.select_related(
                "from_technician__user", "to_technician__user"
            ).filter(from_technician=outgoing)[:5],
            "nav": "handover",
        },
    )
