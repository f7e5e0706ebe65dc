"""Staff pages: project list and detail, project forms, lifecycle actions, the capacity grid.

Views are thin: forms validate input, ``projects.services`` / ``booking`` do the writes, and every
refusal (forbidden transition, over-booking, missing RUN terms) is shown with its message.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from backoffice.access import staff_required
from staff import policy
from staff.models import Team, Technician
from staff.policy import Action

from . import services
from .booking import OverbookingError, book, booking_cancel
from .capacity import capacity, next_weeks, week_start
from .documents import project_documents
from .filters import OPEN, ProjectFilter
from .forms import (
    BookingForm,
    DeliverableForm,
    DeliverableStatusForm,
    MilestoneForm,
    ProjectForm,
    TaskForm,
    TaskStatusForm,
    TransitionForm,
)
from .models import (
    Booking,
    Deliverable,
    Kind,
    Milestone,
    Project,
    ProvisioningTask,
    State,
)
from .services.handover import missing_run_terms

GRID_WEEKS = 8


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- list and detail -------------------------------------------------------------------------


@require_GET
@staff_required
def project_list(request):
    today = timezone.localdate()
    rows = Project.objects.select_related("client", "project_manager").annotate(
        milestones_total=Count("milestones", distinct=True),
        milestones_done=Count(
            "milestones", filter=Q(milestones__completed_at__isnull=False), distinct=True
        ),
        next_due=Min("milestones__due_date", filter=Q(milestones__completed_at__isnull=True)),
    )
    filters = ProjectFilter(request.GET, rows, request=request)
    rows = filters.qs
    return render(
        request,
        "projects/list.html",
        {
            "projects": rows,
            "today": today,
            "states": State.choices,
            "kinds": Kind.choices,
            "state": filters.form.cleaned_data.get("state") or OPEN,
            "kind": filters.form.cleaned_data.get("kind") or "",
            "mine": filters.form.cleaned_data.get("mine"),
            "filter_errors": filters.errors,
            "nav": "projects",
        },
    )


def _detail_context(request, project: Project, **forms) -> dict:
    today = timezone.localdate()
    may_drive = services.can_drive(request.user, project)
    documents = project_documents(project)
    return {
        "project": project,
        "today": today,
        "may_drive": may_drive,
        "actions": services.available_actions(project) if may_drive else [],
        "missing_run_terms": missing_run_terms(project),
        "milestones": project.milestones.all(),
        "deliverables": project.deliverables.all(),
        "tasks": project.tasks.select_related("assignee__user"),
        "bookings": project.bookings.filter(date__gte=week_start(today)).select_related(
            "engineer__user"
        ),
        "events": project.events.select_related("actor").order_by("-at", "-pk"),
        "tickets": project.ticket_links.select_related("ticket").order_by("-ticket__created_at"),
        "handover": getattr(project, "handover", None),
        "documents": documents.order_by("-uploaded_at") if documents is not None else None,
        "transition_form": forms.get("transition_form") or TransitionForm(),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(prefix="milestone"),
        "deliverable_form": forms.get("deliverable_form") or DeliverableForm(prefix="deliverable"),
        "task_form": forms.get("task_form") or TaskForm(prefix="task"),
        "task_statuses": ProvisioningTask.Status.choices,
        "deliverable_statuses": Deliverable.Status.choices,
        "nav": "projects",
    }


def _project(pk: int) -> Project:
    related = ("client", "project_manager", "solution_architect", "run_referent__user")
    return get_object_or_404(Project.objects.select_related(*related), pk=pk)


@require_GET
@staff_required
def project_detail(request, pk: int):
    project = _project(pk)
    return render(request, "projects/detail.html", _detail_context(request, project))


def _render_invalid(request, project: Project, **forms) -> HttpResponse:
    context = _detail_context(request, project, **forms)
    return render(request, "projects/detail.html", context, status=400)


# --- create and edit -------------------------------------------------------------------------


@staff_required
def project_create(request):
    form = ProjectForm(request.POST or None, initial={"project_manager": request.user.pk})
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            project = services.project_create(
                client=form.cleaned_data["client"],
                name=values.pop("name"),
                kind=values.pop("kind"),
                by=request.user,
                **values,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Projet « %(name)s » créé.") % {"name": project.name})
            return redirect("projects:detail", pk=project.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "nav": "projects", "title": _("Nouveau projet")}
    return render(request, "projects/form.html", context, status=status)


@staff_required
def project_edit(request, pk: int):
    project = _project(pk)
    if not services.can_drive(request.user, project):
        raise PermissionDenied
    form = ProjectForm(request.POST or None, instance=Project.objects.get(pk=project.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.project_update(project=project, by=request.user, values=form.values())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Projet mis à jour."))
            return redirect("projects:detail", pk=project.pk)
    status = 400 if form.is_bound else 200
    context = {"form": form, "project": project, "nav": "projects", "title": project.name}
    return render(request, "projects/form.html", context, status=status)


# --- lifecycle and project items -------------------------------------------------------------


@require_POST
@staff_required
def project_transition(request, pk: int):
    project = _project(pk)
    if not services.can_drive(request.user, project):
        raise PermissionDenied
    form = TransitionForm(request.POST)
    if not form.is_valid():
        return _render_invalid(request, project, transition_form=form)
    action = form.cleaned_data["action"]
    try:
        services.project_transition(
            project=project, action=action, by=request.user, note=form.cleaned_data["note"]
        )
    except services.ProjectTransitionError as exc:
        form.add_error(None, str(exc))
        return _render_invalid(request, project, transition_form=form)
    except ValidationError as exc:
        for message in _errors(exc):
            form.add_error(None, message)
        return _render_invalid(request, project, transition_form=form)
    messages.success(
        request,
        _("Projet « %(name)s » : %(state)s.")
        % {"name": project.name, "state": project.get_state_display()},
    )
    return redirect("projects:detail", pk=project.pk)


@require_POST
@staff_required
def milestone_add(request, pk: int):
    project = _project(pk)
    form = MilestoneForm(request.POST, prefix="milestone")
    if not form.is_valid():
        return _render_invalid(request, project, milestone_form=form)
    services.milestone_add(project=project, by=request.user, **form.cleaned_data)
    return redirect("projects:detail", pk=project.pk)


@require_POST
@staff_required
def milestone_complete(request, pk: int):
    milestone = get_object_or_404(Milestone.objects.select_related("project"), pk=pk)
    services.milestone_complete(milestone=milestone, by=request.user)
    return redirect("projects:detail", pk=milestone.project_id)


@require_POST
@staff_required
def deliverable_add(request, pk: int):
    project = _project(pk)
    form = DeliverableForm(request.POST, prefix="deliverable")
    if not form.is_valid():
        return _render_invalid(request, project, deliverable_form=form)
    services.deliverable_add(project=project, by=request.user, **form.cleaned_data)
    return redirect("projects:detail", pk=project.pk)


@require_POST
@staff_required
def deliverable_update(request, pk: int):
    deliverable = get_object_or_404(Deliverable.objects.select_related("project"), pk=pk)
    form = DeliverableStatusForm(request.POST, instance=Deliverable(project=deliverable.project))
    if not form.is_valid():
        messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    else:
        services.deliverable_update(
            deliverable=deliverable,
            by=request.user,
            status=form.cleaned_data["status"],
            document_url=form.cleaned_data["document_url"],
        )
    return redirect("projects:detail", pk=deliverable.project_id)


@require_POST
@staff_required
def task_add(request, pk: int):
    project = _project(pk)
    form = TaskForm(request.POST, prefix="task")
    if not form.is_valid():
        return _render_invalid(request, project, task_form=form)
    try:
        services.task_add(project=project, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        for message in _errors(exc):
            form.add_error(None, message)
        return _render_invalid(request, project, task_form=form)
    return redirect("projects:detail", pk=project.pk)


@require_POST
@staff_required
def task_update(request, pk: int):
    task = get_object_or_404(ProvisioningTask.objects.select_related("project", "assignee"), pk=pk)
    form = TaskStatusForm(request.POST)
    if form.is_valid():
        services.task_update(task=task, by=request.user, status=form.cleaned_data["status"])
    else:
        messages.error(request, _("Statut inconnu."))
    return redirect("projects:detail", pk=task.project_id)


@require_POST
@staff_required
def booking_delete(request, pk: int):
    booking = get_object_or_404(Booking.objects.select_related("project"), pk=pk)
    booking_cancel(booking=booking, by=request.user)
    messages.success(request, _("Réservation supprimée."))
    return redirect("projects:detail", pk=booking.project_id)


# --- capacity --------------------------------------------------------------------------------


def _grid_start(request) -> dt.date:
    raw = request.GET.get("from", "")
    try:
        return week_start(dt.date.fromisoformat(raw))
    except ValueError:
        return week_start(timezone.localdate())


@staff_required
def capacity_view(request):
    """Engineers × the next 8 ISO weeks: booked vs available half-days, and the booking form."""
    first = _grid_start(request)
    may_force = policy.allows(request.user, Action.PROJECT_FORCE_BOOKING)
    initial_project = request.GET.get("project")
    form = BookingForm(
        request.POST or None,
        may_force=may_force,
        initial={"project": initial_project, "start": request.GET.get("start")},
    )
    overbooking = False
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = book(
                    project=data["project"],
                    engineer=data["engineer"],
                    start=data["start"],
                    end=data["end"],
                    half=data["half"],
                    by=request.user,
                    force=data.get("force", False),
                    note=data["note"],
                )
            except OverbookingError as exc:
                overbooking = True
                for message in exc.messages:
                    form.add_error(None, message)
            except ValidationError as exc:
                for message in _errors(exc):
                    form.add_error(None, message)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
                status = 403
            else:
                half_days = sum(b.half_days for b in made)
                messages.success(
                    request,
                    _("%(engineer)s réservé(e) sur « %(project)s » : %(n)s demi-journée(s).")
                    % {"engineer": data["engineer"], "project": data["project"], "n": half_days},
                )
                return redirect(f"{request.path}?from={first.isoformat()}")
    mondays = next_weeks(GRID_WEEKS, first)
    window_end = mondays[-1] + dt.timedelta(days=7)
    engineers = list(
        Technician.objects.filter(
            Q(team=Team.BUILD) | Q(bookings__date__gte=first, bookings__date__lt=window_end)
        )
        .distinct()
        .select_related("user")
        .order_by("user__first_name", "user__last_name")
    )
    figures = capacity([e.pk for e in engineers], mondays)
    rows = [(e, [figures[(e.pk, m)] for m in mondays]) for e in engineers]
    context = {
        "rows": rows,
        "mondays": mondays,
        "previous": first - dt.timedelta(weeks=GRID_WEEKS),
        "following": first + dt.timedelta(weeks=GRID_WEEKS),
        "this_week": week_start(timezone.localdate()),
        "form": form,
        "may_force": may_force,
        "overbooking": overbooking,
        "on_call_known": all(f.on_call_known for f in figures.values()) if figures else True,
        "nav": "capacity",
    }
    return render(request, "projects/capacity.html", context, status=status)
