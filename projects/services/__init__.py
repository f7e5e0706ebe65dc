"""The write path for projects: creation, edits, lifecycle, milestones, deliverables, tasks.

Every function runs in one transaction. Lifecycle changes go through ``oceanis.transitions``: lock
the project row, apply the FSM transition (which refuses forbidden moves) and append one immutable
``ProjectEvent``. Bookings live in ``projects.booking``, the go-live hand-over in
``projects.services.handover``, ticket links in ``projects.links``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client
from oceanis.transitions import TransitionRefused, append_event, lock_for_update, state_transition
from staff import policy
from staff.models import Technician
from staff.policy import Action

from ..documents import project_documents
from ..models import (
    Deliverable,
    EventKind,
    Milestone,
    Project,
    ProjectEvent,
    ProvisioningTask,
    State,
)


class ProjectTransitionError(TransitionRefused):
    """A transition the project's current state does not allow (or that lost a race)."""

    def __init__(self, project: Project, action: str, message: str | None = None):
        self.project = project
        self.action = action
        self.state = project.state
        label = ACTIONS.get(action, action)
        super().__init__(
            message
            or _("Action « %(action)s » impossible : le projet « %(name)s » est « %(state)s ».")
            % {"action": label, "name": project.name, "state": project.get_state_display()}
        )


# Lifecycle actions: FSM method name → French label shown on buttons and in errors.
ACTIONS = {
    "plan": gettext_lazy("Lancer la planification"),
    "provision": gettext_lazy("Lancer le provisioning"),
    "integrate": gettext_lazy("Lancer l'intégration"),
    "start_acceptance": gettext_lazy("Passer en recette"),
    "rework": gettext_lazy("Retour en intégration"),
    "go_live": gettext_lazy("Mettre en production"),
    "close": gettext_lazy("Clôturer"),
    "hold": gettext_lazy("Mettre en pause"),
    "resume": gettext_lazy("Reprendre"),
    "cancel": gettext_lazy("Annuler le projet"),
}
NOTE_REQUIRED = {"hold", "cancel", "rework"}

EDITABLE_FIELDS = (
    "name",
    "kind",
    "description",
    "po_reference",
    "po_date",
    "solution_architect",
    "project_manager",
    "target_go_live",
    "run_hours_plan",
    "run_gti_critical_minutes",
    "run_gti_very_blocking_minutes",
    "run_gti_slightly_blocking_minutes",
    "run_gti_non_blocking_minutes",
    "run_referent",
)


def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def record_event(project: Project, kind: str, *, by=None, at=None, **fields) -> ProjectEvent:
    """Append one line to the project's history."""
    return append_event(ProjectEvent, project=project, kind=kind, actor=by, at=_now(at), **fields)


def can_drive(user, project: Project) -> bool:
    """The integration project manager drives the project; centre managers may stand in."""
    return policy.allows(user, Action.PROJECT_DRIVE, project)


def _require_driver(user, project: Project) -> None:
    if not can_drive(user, project):
        raise PermissionDenied(
            _("Seuls le chef de projet intégration et les responsables pilotent ce projet.")
        )


# --- creation and edits ----------------------------------------------------------------------


def project_create(*, client: Client, name: str, kind: str, by, **values) -> Project:
    """Create a project at "commandé" (the purchase order is in)."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not project fields: {sorted(unknown)}")
    project = Project(client=client, name=name.strip(), kind=kind, created_by=by, **values)
    project.full_clean(exclude=["state"])
    with transaction.atomic():
        project.save(force_insert=True)
        record_event(project, EventKind.CREATED, by=by, to_state=project.state)
    return project


def project_update(*, project: Project, by, values: dict) -> Project:
    """Change descriptive fields and the RUN terms; the state only moves through transitions."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    with transaction.atomic():
        locked = lock_for_update(project)
        # Documents are shared under the project's name: they follow a rename.
        documents = project_documents(locked) if "name" in values else None
        changes = {}
        for field, value in values.items():
            old = getattr(locked, field)
            if old != value:
                changes[field] = [_jsonable(old), _jsonable(value)]
                setattr(locked, field, value)
        if not changes:
            return project
        locked.full_clean(exclude=["state"])
        locked.save()
        if "name" in changes and documents is not None:
            documents.update(project=locked.name.strip())
        record_event(locked, EventKind.UPDATED, by=by, payload={"changes": changes})
    project.refresh_from_db()
    return project


def _jsonable(value):
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# --- lifecycle -------------------------------------------------------------------------------


def project_transition(
    *, project: Project, action: str, by, note: str = "", at: datetime | None = None
) -> Project:
    """Move the project through its lifecycle with one of ``ACTIONS``.

    Pausing, cancelling and sending back to integration need a note. Going live runs the hand-over
    to RUN (``projects.services.handover``) in the same transaction: it refuses while the RUN
    terms are incomplete, and nothing is changed then.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown project action: {action}")
    note = (note or "").strip()
    if action in NOTE_REQUIRED and not note:
        raise ValidationError({"note": _("Indiquez le motif.")})
    at = _now(at)

    def stamp(locked: Project, source: str) -> None:
        _STAMPS.get(action, _no_stamp)(locked, source=source, by=by, at=at)

    def log(locked: Project, source: str) -> ProjectEvent:
        return record_event(
            locked,
            EventKind.TRANSITION,
            by=by,
            at=at,
            from_state=source,
            to_state=locked.state,
            note=note,
            payload={"action": action},
        )

    state_transition(project, action, stamp=stamp, log=log, refused=ProjectTransitionError)
    return project


def _no_stamp(project: Project, **context) -> None:
    pass


def _stamp_hold(project: Project, *, source: str, **context) -> None:
    project.held_from = source


def _stamp_resume(project: Project, **context) -> None:
    project.held_from = ""


def _stamp_go_live(project: Project, *, by, at: datetime, **context) -> None:
    from .handover import hand_over_to_run  # handover imports this package: import late

    project.went_live_at = at
    hand_over_to_run(project, by=by, at=at)


def _stamp_close(project: Project, *, at: datetime, **context) -> None:
    project.closed_at = at


# What each transition records on the project besides its new state.
_STAMPS: dict[str, Callable[..., None]] = {
    "hold": _stamp_hold,
    "resume": _stamp_resume,
    "go_live": _stamp_go_live,
    "close": _stamp_close,
}


def available_actions(project: Project) -> list[tuple[str, str]]:
    """The lifecycle actions the current state allows, as (action, label), in display order."""
    allowed = {t.name for t in project.get_available_state_transitions()}
    return [(name, label) for name, label in ACTIONS.items() if name in allowed]


# --- milestones and deliverables -------------------------------------------------------------


def milestone_add(*, project: Project, name: str, due_date, by) -> Milestone:
    _require_driver(by, project)
    milestone = Milestone(project=project, name=(name or "").strip(), due_date=due_date)
    milestone.full_clean()
    milestone.save()
    return milestone


def milestone_complete(*, milestone: Milestone, by, at: datetime | None = None) -> Milestone:
    """Mark a milestone reached (logged on the project); reaching it twice changes nothing."""
    _require_driver(by, milestone.project)
    at = _now(at)
    with transaction.atomic():
        locked = lock_for_update(milestone)
        if locked.completed_at is not None:
            return locked
        locked.completed_at = at
        locked.completed_by = by
        locked.save(update_fields=["completed_at", "completed_by"])
        record_event(
            locked.project,
            EventKind.MILESTONE,
            by=by,
            at=at,
            note=locked.name,
            payload={"milestone": locked.pk, "due_date": locked.due_date.isoformat()},
        )
    return locked


def deliverable_add(
    *, project: Project, name: str, by, status: str = Deliverable.Status.PLANNED, document_url=""
) -> Deliverable:
    _require_driver(by, project)
    deliverable = Deliverable(
        project=project, name=(name or "").strip(), status=status, document_url=document_url
    )
    deliverable.full_clean()
    deliverable.save()
    return deliverable


def deliverable_update(
    *, deliverable: Deliverable, by, status: str, document_url: str | None = None
) -> Deliverable:
    _require_driver(by, deliverable.project)
    deliverable.status = status
    if document_url is not None:
        deliverable.document_url = document_url
    deliverable.full_clean()
    deliverable.save()
    return deliverable


# --- provisioning tasks ----------------------------------------------------------------------


def task_add(
    *,
    project: Project,
    title: str,
    category: str,
    by,
    assignee: Technician | None = None,
    due_date=None,
    notes: str = "",
) -> ProvisioningTask:
    """The project manager plans a provisioning task and gives it to provisioning staff."""
    _require_driver(by, project)
    if project.state not in (*_TASK_STATES,):
        raise ValidationError(
            _("Le projet « %(name)s » est « %(state)s » : plus de provisioning possible.")
            % {"name": project.name, "state": project.get_state_display()}
        )
    task = ProvisioningTask(
        project=project,
        title=(title or "").strip(),
        category=category,
        assignee=assignee,
        due_date=due_date,
        notes=notes,
        created_by=by,
    )
    task.full_clean()
    task.save()
    return task


_TASK_STATES = (
    State.ORDERED,
    State.PLANNING,
    State.PROVISIONING,
    State.INTEGRATION,
    State.ACCEPTANCE,
    State.ON_HOLD,
)


def can_update_task(user, task: ProvisioningTask) -> bool:
    """Its assignee reports progress; the project's drivers may too."""
    assignee_user = task.assignee.user_id if task.assignee_id else None
    return can_drive(user, task.project) or (assignee_user is not None and assignee_user == user.pk)


def task_update(
    *,
    task: ProvisioningTask,
    by,
    status: str | None = None,
    assignee: Technician | None | bool = False,
    at: datetime | None = None,
) -> ProvisioningTask:
    """Change a task's status (assignee or drivers) or its assignee (drivers only).

    ``assignee=False`` leaves the assignee unchanged; ``None`` unassigns.
    """
    if assignee is not False:
        _require_driver(by, task.project)
    elif not can_update_task(by, task):
        raise PermissionDenied(_("Cette tâche ne vous est pas attribuée."))
    with transaction.atomic():
        locked = lock_for_update(task)
        if status is not None:
            locked.status = ProvisioningTask.Status(status)
            locked.done_at = _now(at) if status == ProvisioningTask.Status.DONE else None
        if assignee is not False:
            locked.assignee = assignee
        locked.full_clean()
        locked.save()
    return locked
