"""The problem state machine: every allowed and every forbidden transition, through the service."""

import pytest
from django.core.exceptions import ValidationError

from changes import services
from changes.models import Problem, ProblemLog

pytestmark = pytest.mark.django_db

S = Problem.State

ALLOWED = {
    S.NEW: {"start_analysis": S.ANALYSING},
    S.ANALYSING: {"declare_known_error": S.KNOWN_ERROR, "resolve": S.RESOLVED},
    S.KNOWN_ERROR: {"resolve": S.RESOLVED},
    S.RESOLVED: {"close": S.CLOSED, "reopen": S.ANALYSING},
    S.CLOSED: {},
}
PATH_TO = {
    S.NEW: [],
    S.ANALYSING: ["start_analysis"],
    S.KNOWN_ERROR: ["start_analysis", "declare_known_error"],
    S.RESOLVED: ["start_analysis", "resolve"],
    S.CLOSED: ["start_analysis", "resolve", "close"],
}


def problem_in(state, user):
    problem = services.problem_create(
        title="Coupures VPN récurrentes",
        by=user,
        root_cause="Firmware du concentrateur",
        workaround="Redémarrer le tunnel",
    )
    for action in PATH_TO[state]:
        services.problem_transition(problem=problem, action=action, by=user, note="étape")
    assert problem.state == state
    return problem


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(services.PROBLEM_ACTIONS))
def test_each_problem_action_is_allowed_exactly_where_the_lifecycle_says(state, action, technician):
    user = technician.user
    problem = problem_in(state, user)
    before = ProblemLog.objects.filter(problem=problem).count()

    if action in ALLOWED[state]:
        services.problem_transition(problem=problem, action=action, by=user, note="Motif")
        assert problem.state == ALLOWED[state][action]
        line = ProblemLog.objects.filter(problem=problem).last()
        assert (line.action, line.from_state, line.to_state, line.by, line.note) == (
            action,
            state,
            ALLOWED[state][action],
            user,
            "Motif",
        )
    else:
        with pytest.raises(services.RecordTransitionError):
            services.problem_transition(problem=problem, action=action, by=user, note="Motif")
        problem.refresh_from_db()
        assert problem.state == state
        assert ProblemLog.objects.filter(problem=problem).count() == before


def test_a_known_error_needs_a_documented_workaround(technician):
    user = technician.user
    problem = services.problem_create(title="Lenteurs ERP", by=user)
    services.problem_transition(problem=problem, action="start_analysis", by=user)
    with pytest.raises(ValidationError, match="contournement"):
        services.problem_transition(problem=problem, action="declare_known_error", by=user)
    with pytest.raises(ValidationError, match="cause racine"):
        services.problem_transition(problem=problem, action="resolve", by=user)
    assert problem.state == S.ANALYSING

    services.problem_edit(problem=problem, by=user, workaround="Vider le cache client")
    services.problem_transition(problem=problem, action="declare_known_error", by=user)
    assert problem.state == S.KNOWN_ERROR


def test_reopening_needs_a_reason(technician):
    problem = problem_in(S.RESOLVED, technician.user)
    with pytest.raises(ValidationError):
        services.problem_transition(problem=problem, action="reopen", by=technician.user)
    assert problem.state == S.RESOLVED


def test_the_state_cannot_be_written_directly(technician):
    problem = problem_in(S.NEW, technician.user)
    with pytest.raises(AttributeError):
        problem.state = S.CLOSED


def test_a_closed_problem_is_read_only(technician):
    problem = problem_in(S.CLOSED, technician.user)
    with pytest.raises(ValidationError):
        services.problem_edit(problem=problem, by=technician.user, title="Autre")


def test_the_buttons_offer_only_the_allowed_actions(technician):
    for state, allowed in ALLOWED.items():
        problem = problem_in(state, technician.user)
        assert {a for a, _label in services.problem_actions(problem)} == set(allowed)
