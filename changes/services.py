"""The only write path for problems and change requests.

Each transition runs in one transaction (``oceanis.transitions``): lock the row, check the
business rule of the action (clear ``ValidationError`` / ``PermissionDenied``), apply the FSM
transition (which refuses moves the current state does not allow: ``RecordTransitionError``),
save, and append one log line.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oceanis.messages import Message
from oceanis.transitions import TransitionRefused, append_event, lock_for_update, state_transition
from staff import policy
from staff.policy import Action

from .models import ChangeLog, ChangeRequest, Problem, ProblemLog

PROBLEM_ACTIONS = {
    "start_analysis": gettext_lazy("Démarrer l'analyse"),
    "declare_known_error": gettext_lazy("Déclarer en erreur connue"),
    "resolve": gettext_lazy("Marquer résolu"),
    "reopen": gettext_lazy("Rouvrir l'analyse"),
    "close": gettext_lazy("Clore"),
}

CHANGE_ACTIONS = {
    "submit": gettext_lazy("Soumettre pour approbation"),
    "approve": gettext_lazy("Approuver"),
    "reject": gettext_lazy("Refuser"),
    "rework": gettext_lazy("Reprendre en brouillon"),
    "schedule": gettext_lazy("Planifier"),
    "implement": gettext_lazy("Déclarer réalisé"),
    "review": gettext_lazy("Enregistrer la revue"),
    "close": gettext_lazy("Clôturer"),
}

# Actions whose note is mandatory (the reason is the point of the log line).
NOTE_REQUIRED = {
    Problem: {"reopen"},
    ChangeRequest: {"reject", "review"},
}


class RecordTransitionError(TransitionRefused):
    """The record's current state does not allow this action (or a concurrent change won)."""

    def __init__(self, record, action: str):
        self.record, self.action = record, action
        super().__init__(
            _("Action « %(action)s » impossible : %(ref)s est « %(state)s ».")
            % {"action": action, "ref": record.reference, "state": record.get_state_display()}
        )


def _apply(
    record: models.Model,
    action: str,
    log_model: type[models.Model],
    log_fk: str,
    *,
    by,
    note: str,
    at: datetime | None,
    check: Callable[[models.Model], None] | None = None,
    stamp: Callable[[models.Model, datetime], None] | None = None,
) -> models.Model:
    at = at or timezone.now()
    note = (note or "").strip()
    if action in NOTE_REQUIRED.get(type(record), set()) and not note:
        raise ValidationError({"note": _("Indiquez le motif.")})

    def log(locked: models.Model, source: str) -> models.Model:
        return append_event(
            log_model,
            **{log_fk: locked},
            action=action,
            from_state=source,
            to_state=locked.state,
            by=by,
            at=at,
            note=note,
        )

    state_transition(
        record,
        action,
        check=check,
        stamp=(lambda locked, source: stamp(locked, at)) if stamp else None,
        log=log,
        refused=RecordTransitionError,
    )
    return record


# --- problems ---------------------------------------------------------------------------------

PROBLEM_FIELDS = ("title", "description", "root_cause", "workaround", "owner")


def problem_create(*, title: str, by, incidents=(), tickets=(), **fields) -> Problem:
    """Open a problem record, linked to the incidents and tickets it explains."""
    unknown = set(fields) - set(PROBLEM_FIELDS)
    if unknown:
        raise ValueError(f"Not problem fields: {sorted(unknown)}")
    problem = Problem(title=(title or "").strip(), created_by=by, **fields)
    problem.full_clean(exclude=["state"])
    with transaction.atomic():
        problem.save()
        problem.incidents.set(incidents)
        problem.tickets.set(tickets)
    return problem


def problem_edit(*, problem: Problem, by, incidents=None, tickets=None, **fields) -> Problem:
    """Update the analysis (cause, workaround, links); a closed problem is read-only."""
    unknown = set(fields) - set(PROBLEM_FIELDS)
    if unknown:
        raise ValueError(f"Not problem fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = lock_for_update(problem)
        if locked.state == Problem.State.CLOSED:
            raise ValidationError(_("Un problème clos n'est plus modifiable."))
        for field, value in fields.items():
            setattr(locked, field, value.strip() if isinstance(value, str) else value)
        locked.full_clean(exclude=["state"])
        locked.save()
        if incidents is not None:
            locked.incidents.set(incidents)
        if tickets is not None:
            locked.tickets.set(tickets)
    problem.refresh_from_db()
    return problem


def _problem_check(action: str) -> Callable[[Problem], None] | None:
    def needs_workaround(p: Problem) -> None:
        if not p.workaround.strip():
            raise ValidationError(
                _("Documentez la solution de contournement avant de déclarer l'erreur connue.")
            )

    def needs_root_cause(p: Problem) -> None:
        if not p.root_cause.strip():
            raise ValidationError(_("Renseignez la cause racine avant de marquer résolu."))

    return {"declare_known_error": needs_workaround, "resolve": needs_root_cause}.get(action)


def problem_transition(
    *, problem: Problem, action: str, by, note: str = "", at: datetime | None = None
) -> Problem:
    """Move a problem along its lifecycle; every move is logged with its note."""
    if action not in PROBLEM_ACTIONS:
        raise ValueError(f"Unknown problem action: {action}")
    return _apply(
        problem,
        action,
        ProblemLog,
        "problem",
        by=by,
        note=note,
        at=at,
        check=_problem_check(action),
    )


def problem_actions(problem: Problem) -> list[tuple[str, str]]:
    """(action, label) of the transitions the current state allows: the page's buttons."""
    names = {t.name for t in problem.get_available_state_transitions()}
    return [(a, str(label)) for a, label in PROBLEM_ACTIONS.items() if a in names]


# --- change requests --------------------------------------------------------------------------

CHANGE_FIELDS = (
    "title",
    "description",
    "change_type",
    "risk",
    "planned_start",
    "planned_end",
    "implementation_plan",
    "rollback_plan",
    "client_notice",
)


def change_create(
    *, title: str, by, affected_clients=(), problems=(), tickets=(), approvers=(), **fields
) -> ChangeRequest:
    """Draft a change request."""
    unknown = set(fields) - set(CHANGE_FIELDS)
    if unknown:
        raise ValueError(f"Not change fields: {sorted(unknown)}")
    change = ChangeRequest(title=(title or "").strip(), requested_by=by, **fields)
    _check_window(change)
    change.full_clean(exclude=["state"])
    with transaction.atomic():
        change.save()
        change.affected_clients.set(affected_clients)
        change.problems.set(problems)
        change.tickets.set(tickets)
        change.approvers.set(approvers)
    return change


def change_edit(
    *,
    change: ChangeRequest,
    by,
    affected_clients=None,
    problems=None,
    tickets=None,
    approvers=None,
    **fields,
) -> ChangeRequest:
    """Edit a draft. Once submitted, what is approved is what gets implemented: read-only."""
    unknown = set(fields) - set(CHANGE_FIELDS)
    if unknown:
        raise ValueError(f"Not change fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = lock_for_update(change)
        if not locked.is_editable:
            raise ValidationError(_("Seul un brouillon est modifiable."))
        for field, value in fields.items():
            setattr(locked, field, value.strip() if isinstance(value, str) else value)
        _check_window(locked)
        locked.full_clean(exclude=["state"])
        locked.save()
        for name, values in (
            ("affected_clients", affected_clients),
            ("problems", problems),
            ("tickets", tickets),
            ("approvers", approvers),
        ):
            if values is not None:
                getattr(locked, name).set(values)
    change.refresh_from_db()
    return change


def _check_window(change: ChangeRequest) -> None:
    if change.planned_start and change.planned_end and change.planned_end <= change.planned_start:
        raise ValidationError({"planned_end": _("La fin de la fenêtre doit suivre son début.")})


def can_approve(change: ChangeRequest, user) -> bool:
    """Who may approve or reject (staff.policy): never the requester; the centre manager (or
    deputy) always; a named approver for a normal change. An urgent change needs the manager."""
    return user is not None and policy.allows(user, Action.CHANGE_APPROVE, change)


def _check_submittable(change: ChangeRequest) -> None:
    errors = {}
    if not change.planned_start or not change.planned_end:
        errors["planned_start"] = _("Indiquez la fenêtre d'intervention prévue.")
    if not change.implementation_plan.strip():
        errors["implementation_plan"] = _("Le plan de mise en œuvre est obligatoire.")
    if not change.rollback_plan.strip():
        errors["rollback_plan"] = _("Le plan de retour arrière est obligatoire.")
    if change.is_standard and change.risk != ChangeRequest.Risk.LOW:
        errors["risk"] = _("Un changement standard est, par définition, à risque faible.")
    if errors:
        raise ValidationError(errors)


def change_transition(
    *,
    change: ChangeRequest,
    action: str,
    by,
    note: str = "",
    outcome: str = "",
    at: datetime | None = None,
) -> ChangeRequest:
    """Move a change request along its lifecycle; every move is logged.

    Submitting a standard change pre-approves it in the same transaction (two log lines):
    standard changes are the catalogue's low-risk, repeatable operations.
    """
    if action not in CHANGE_ACTIONS:
        raise ValueError(f"Unknown change action: {action}")
    now = at or timezone.now()
    check, stamp = None, None
    if action == "submit":
        check = _check_submittable
    elif action in ("approve", "reject"):

        def check(c: ChangeRequest) -> None:
            if not can_approve(c, by):
                raise PermissionDenied(_("Vous n'êtes pas approbateur de ce changement."))

        def stamp(c: ChangeRequest, when: datetime) -> None:
            c.decision_note = (note or "").strip()
            if action == "approve":
                c.approved_by, c.approved_at, c.pre_approved = by, when, False

    elif action == "rework":

        def stamp(c: ChangeRequest, when: datetime) -> None:
            c.approved_by, c.approved_at, c.decision_note = None, None, ""

    elif action == "schedule":

        def check(c: ChangeRequest) -> None:
            if c.approved_at is None:  # belt and braces: the FSM already requires "approved"
                raise ValidationError(_("Le changement doit être approuvé avant planification."))
            if c.planned_end <= now:
                raise ValidationError(_("La fenêtre prévue est passée : reprenez le changement."))

    elif action == "implement":
        if outcome not in ChangeRequest.Outcome.values:
            raise ValidationError({"outcome": _("Indiquez le résultat de la mise en œuvre.")})

        def stamp(c: ChangeRequest, when: datetime) -> None:
            c.outcome = outcome

    elif action == "review":

        def stamp(c: ChangeRequest, when: datetime) -> None:
            c.review_note = (note or "").strip()

    with transaction.atomic():
        change = _apply(
            change,
            action,
            ChangeLog,
            "change",
            by=by,
            note=note,
            at=now,
            check=check,
            stamp=stamp,
        )
        if action == "submit" and change.is_standard:
            _pre_approve(change, now)
    return change


def _pre_approve(change: ChangeRequest, at: datetime) -> None:
    def stamp(c: ChangeRequest, when: datetime) -> None:
        c.approved_by, c.approved_at, c.pre_approved = None, when, True

    _apply(
        change,
        "approve",
        ChangeLog,
        "change",
        by=None,
        at=at,
        stamp=stamp,
        note=Message("change.pre_approved"),
    )


def change_actions(change: ChangeRequest, user) -> list[tuple[str, str]]:
    """(action, label) the state allows and this user may perform: the page's buttons."""
    names = {t.name for t in change.get_available_state_transitions()}
    if not can_approve(change, user):
        names -= {"approve", "reject"}
    return [(a, str(label)) for a, label in CHANGE_ACTIONS.items() if a in names]
