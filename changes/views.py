"""Staff screens of problems and change requests: lists, detail with transition buttons, forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts.silences import silence_for_change
from backoffice.access import staff_required
from oceanis.forms import add_service_errors

from . import services
from .forms import ChangeForm, ProblemForm, TransitionForm
from .models import ChangeRequest, Problem
from .selectors import change_list as change_rows
from .selectors import changes_awaiting_approval
from .selectors import problem_list as problem_rows

# --- problems ---------------------------------------------------------------------------------


@staff_required
def problem_list(request):
    return render(
        request, "changes/problem_list.html", {"problems": list(problem_rows()), "nav": "problems"}
    )


def _problem_values(data: dict) -> dict:
    values = dict(data)
    return {
        "incidents": list(values.pop("incidents")),
        "tickets": values.pop("tickets"),
        **values,
    }


@staff_required
def problem_create(request):
    form = ProblemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            problem = services.problem_create(by=request.user, **_problem_values(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Problème %(record)s créé.") % {"record": problem})
            return redirect("changes:problem_detail", problem.pk)
    return render(request, "changes/form.html", {"form": form, "nav": "problems"})


@staff_required
def problem_detail(request, pk: int):
    problem = get_object_or_404(Problem.objects.select_related("owner__user"), pk=pk)
    return render(
        request,
        "changes/problem_detail.html",
        {
            "problem": problem,
            "actions": services.problem_actions(problem),
            "incidents": problem.incidents.all(),
            "tickets": problem.tickets.select_related("client"),
            "changes": problem.changes.all(),
            "log": _labelled(problem.log.select_related("by"), services.PROBLEM_ACTIONS),
            "nav": "problems",
        },
    )


@staff_required
def problem_edit(request, pk: int):
    problem = get_object_or_404(Problem, pk=pk)
    form = ProblemForm(request.POST or None, initial=ProblemForm.initial_for(problem))
    if request.method == "POST" and form.is_valid():
        try:
            services.problem_edit(
                problem=problem, by=request.user, **_problem_values(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("changes:problem_detail", problem.pk)
    return render(
        request, "changes/form.html", {"form": form, "record": problem, "nav": "problems"}
    )


def _labelled(log, labels: dict) -> list:
    """Log lines with the action's name as the buttons say it, not its code ("submit")."""
    lines = list(log)
    for line in lines:
        line.action_label = labels.get(line.action, line.action)
    return lines


def _flash(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.error(request, str(exc))


@staff_required
@require_POST
def problem_transition(request, pk: int):
    problem = get_object_or_404(Problem, pk=pk)
    form = TransitionForm(request.POST)
    action = request.POST.get("action", "")
    if not form.is_valid() or action not in services.PROBLEM_ACTIONS:
        messages.error(request, _("Action inconnue."))
        return redirect("changes:problem_detail", problem.pk)
    try:
        services.problem_transition(
            problem=problem, action=action, by=request.user, note=form.cleaned_data["note"]
        )
    except (ValidationError, services.RecordTransitionError) as exc:
        _flash(request, exc)
    else:
        _done(request, services.PROBLEM_ACTIONS[action])
    return redirect("changes:problem_detail", problem.pk)


def _done(request, label) -> None:
    messages.success(request, _("« %(action)s » : c'est enregistré.") % {"action": label})


# --- change requests --------------------------------------------------------------------------


@staff_required
def change_list(request):
    return render(
        request,
        "changes/change_list.html",
        {
            "changes": list(change_rows()),
            "awaiting": list(changes_awaiting_approval(request.user)),
            "nav": "changes",
        },
    )


def _change_values(data: dict) -> dict:
    values = dict(data)
    return {
        "affected_clients": list(values.pop("affected_clients")),
        "problems": list(values.pop("problems")),
        "approvers": list(values.pop("approvers")),
        "tickets": values.pop("tickets"),
        **values,
    }


@staff_required
def change_create(request):
    form = ChangeForm(request.POST or None, initial={"change_type": "normal", "risk": "medium"})
    if request.method == "POST" and form.is_valid():
        try:
            change = services.change_create(by=request.user, **_change_values(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changement %(record)s créé.") % {"record": change})
            return redirect("changes:change_detail", change.pk)
    return render(request, "changes/form.html", {"form": form, "nav": "changes"})


@staff_required
def change_detail(request, pk: int):
    change = get_object_or_404(
        ChangeRequest.objects.select_related("requested_by", "approved_by"), pk=pk
    )
    return render(
        request,
        "changes/change_detail.html",
        {
            "change": change,
            "actions": services.change_actions(change, request.user),
            "may_approve": services.can_approve(change, request.user),
            "clients": change.affected_clients.all(),
            "problems": change.problems.all(),
            "tickets": change.tickets.select_related("client"),
            "approvers": change.approvers.select_related("user"),
            "outcomes": ChangeRequest.Outcome.choices,
            "log": _labelled(change.log.select_related("by"), services.CHANGE_ACTIONS),
            "silences": change.silences.select_related("client"),
            "nav": "changes",
        },
    )


@staff_required
def change_edit(request, pk: int):
    change = get_object_or_404(ChangeRequest, pk=pk)
    if not change.is_editable:
        messages.error(request, _("Seul un brouillon est modifiable."))
        return redirect("changes:change_detail", change.pk)
    form = ChangeForm(request.POST or None, initial=ChangeForm.initial_for(change))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_edit(
                change=change, by=request.user, **_change_values(form.cleaned_data)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("changes:change_detail", change.pk)
    return render(request, "changes/form.html", {"form": form, "record": change, "nav": "changes"})


@staff_required
@require_POST
def change_silence(request, pk: int):
    """Silence monitoring over the change's planned window, for its clients (and the hosts
    typed, else all their hosts): alerts of the maintenance open no ticket and page nobody."""
    change = get_object_or_404(ChangeRequest, pk=pk)
    hosts = request.POST.get("hosts", "").replace(",", " ").split()
    if len(hosts) > 50 or any(len(host) > 255 for host in hosts):
        messages.error(request, _("Liste d'hôtes trop longue."))
        return redirect("changes:change_detail", change.pk)
    try:
        created = silence_for_change(change=change, by=request.user, hosts=hosts)
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(
            request,
            _("Supervision en sourdine pendant la fenêtre (%(count)d règle(s)).")
            % {"count": len(created)},
        )
    return redirect("changes:change_detail", change.pk)


@staff_required
@require_POST
def change_transition(request, pk: int):
    change = get_object_or_404(ChangeRequest, pk=pk)
    form = TransitionForm(request.POST)
    action = request.POST.get("action", "")
    if not form.is_valid() or action not in services.CHANGE_ACTIONS:
        messages.error(request, _("Action inconnue."))
        return redirect("changes:change_detail", change.pk)
    try:
        services.change_transition(
            change=change,
            action=action,
            by=request.user,
            note=form.cleaned_data["note"],
            outcome=form.cleaned_data["outcome"],
        )
    except PermissionDenied:
        raise
    except (ValidationError, services.RecordTransitionError) as exc:
        _flash(request, exc)
    else:
        _done(request, services.CHANGE_ACTIONS[action])
    return redirect("changes:change_detail", change.pk)
