"""The transition primitive (oceanis/transitions.py) and the append-only event logs.

Exercised on a problem record (changes app), the smallest FSM model with a log; tickets, projects
and change requests have their own lifecycle tests through their services.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from changes.models import ChangeLog, Problem, ProblemLog
from changes.services import RecordTransitionError
from oceanis.models import AppendOnlyModel, ImmutableEventError
from oceanis.transitions import TransitionRefused, append_event, lock_for_update, state_transition
from projects.models import ProjectEvent
from projects.services import ProjectTransitionError
from tickets.models import TicketEvent
from tickets.services import TicketTransitionError

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def _problem() -> Problem:
    return Problem.objects.create(title="Lenteurs ERP")


def _log(action: str, calls: list | None = None):
    def log(locked: Problem, source: str) -> ProblemLog:
        if calls is not None:
            calls.append(("log", source, locked.state))
        return append_event(
            ProblemLog, problem=locked, action=action, from_state=source, to_state=locked.state
        )

    return log


def test_a_transition_moves_the_locked_row_and_returns_the_appended_event():
    problem = _problem()
    calls = []
    event = state_transition(
        problem,
        "start_analysis",
        check=lambda locked: calls.append(("check", locked.state)),
        stamp=lambda locked, source: calls.append(("stamp", source, locked.state)),
        log=_log("start_analysis", calls),
        refused=RecordTransitionError,
    )
    # The rule sees the state before the move; the stamp and the log see both.
    assert calls == [
        ("check", "new"),
        ("stamp", "new", "analysing"),
        ("log", "new", "analysing"),
    ]
    assert isinstance(event, ProblemLog) and event.pk is not None
    assert (event.from_state, event.to_state) == ("new", "analysing")
    assert problem.state == "analysing"  # the caller's instance is refreshed
    assert Problem.objects.get(pk=problem.pk).state == "analysing"


@pytest.mark.skipif(not connection.features.has_select_for_update, reason="SQLite has no row locks")
def test_the_row_is_read_under_a_lock_first():
    problem = _problem()
    with CaptureQueriesContext(connection) as ctx:
        state_transition(
            problem, "start_analysis", log=_log("start_analysis"), refused=RecordTransitionError
        )
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements[0].startswith('SELECT "changes_problem"') and "FOR UPDATE" in statements[0]


def test_a_state_that_forbids_the_action_is_refused_before_the_business_rule():
    problem = _problem()
    checked = []
    with pytest.raises(RecordTransitionError) as refused:
        state_transition(
            problem,
            "resolve",  # not from "new"
            check=checked.append,
            log=_log("resolve"),
            refused=RecordTransitionError,
        )
    assert isinstance(refused.value, TransitionRefused)
    assert refused.value.record.state == "new" and checked == []
    assert not ProblemLog.objects.exists()


@pytest.mark.parametrize("failing", ["check", "stamp", "log"])
def test_a_failing_step_leaves_the_record_and_its_log_untouched(failing):
    problem = _problem()

    def fail(*args):
        raise ValidationError("refusé")

    def log(locked, source):
        _log("start_analysis")(locked, source)
        fail()

    with pytest.raises(ValidationError):
        state_transition(
            problem,
            "start_analysis",
            check=fail if failing == "check" else None,
            stamp=fail if failing == "stamp" else None,
            log=log if failing == "log" else _log("start_analysis"),
            refused=RecordTransitionError,
        )
    assert Problem.objects.get(pk=problem.pk).state == "new"
    assert not ProblemLog.objects.exists()


def test_an_action_that_is_not_a_transition_is_a_programming_error():
    problem = _problem()
    for action in ("fly", "save", "reference"):
        with pytest.raises(ValueError, match="no transition"):
            state_transition(problem, action, log=_log(action), refused=RecordTransitionError)


def test_lock_for_update_rereads_the_row():
    problem = _problem()
    Problem.objects.filter(pk=problem.pk).update(title="Changé ailleurs")
    locked = lock_for_update(problem)
    assert locked is not problem and locked.title == "Changé ailleurs"


def test_every_apps_refusal_is_a_transition_refused():
    for error in (TicketTransitionError, ProjectTransitionError, RecordTransitionError):
        assert issubclass(error, TransitionRefused)


def test_every_event_log_is_append_only():
    logs = {m for m in apps.get_models() if issubclass(m, AppendOnlyModel)}
    assert {TicketEvent, ProjectEvent, ProblemLog, ChangeLog} <= logs
    problem = _problem()
    state_transition(
        problem, "start_analysis", log=_log("start_analysis"), refused=RecordTransitionError
    )
    row = ProblemLog.objects.get()
    row.note = "réécrit"
    with pytest.raises(ImmutableEventError):
        row.save()
    with pytest.raises(ImmutableEventError):
        row.delete()
    assert ProblemLog.objects.get().note == ""


# The modules built on the primitive: none reaches into another module's private names.
PRIMITIVE_USERS = [
    "oceanis/transitions.py",
    "oceanis/models.py",
    "tickets",
    "projects/services",
    "changes",
    "incidents/services.py",
]


def _sources():
    for entry in PRIMITIVE_USERS:
        path = ROOT / entry
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def test_no_module_imports_another_modules_private_names():
    offences = []
    for path in _sources():
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                offences += [
                    f"{path.relative_to(ROOT)}: {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert offences == []
