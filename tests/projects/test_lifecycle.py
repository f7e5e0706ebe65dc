"""The project state machine: every allowed and forbidden transition, pause and resume."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from projects import services
from projects.models import (
    ACTIVE_STATES,
    EventKind,
    ImmutableEventError,
    Project,
    ProjectEvent,
    State,
)
from projects.services import ACTIONS, ProjectTransitionError, project_transition
from tests.factories import TechnicianFactory, UserFactory, make_manager

from .conftest import RUN_TERMS, make_project

ALLOWED = {
    State.ORDERED: {"plan": State.PLANNING, "hold": State.ON_HOLD, "cancel": State.CANCELLED},
    State.PLANNING: {
        "provision": State.PROVISIONING,
        "hold": State.ON_HOLD,
        "cancel": State.CANCELLED,
    },
    State.PROVISIONING: {
        "integrate": State.INTEGRATION,
        "hold": State.ON_HOLD,
        "cancel": State.CANCELLED,
    },
    State.INTEGRATION: {
        "start_acceptance": State.ACCEPTANCE,
        "hold": State.ON_HOLD,
        "cancel": State.CANCELLED,
    },
    State.ACCEPTANCE: {
        "go_live": State.IN_PRODUCTION,
        "rework": State.INTEGRATION,
        "hold": State.ON_HOLD,
        "cancel": State.CANCELLED,
    },
    State.IN_PRODUCTION: {"close": State.CLOSED},
    State.CLOSED: {},
    State.ON_HOLD: {"resume": State.PLANNING, "cancel": State.CANCELLED},
    State.CANCELLED: {},
}
CASES = [(state, action) for state in State for action in ACTIONS]


def put_in(project, state):
    """Test set-up only: place a project in a state without walking the whole path."""
    held = State.PLANNING if state == State.ON_HOLD else ""
    Project.objects.filter(pk=project.pk).update(state=state, held_from=held)
    project.refresh_from_db()
    return project


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "action"), CASES, ids=[f"{s}-{a}" for s, a in CASES])
def test_each_action_is_allowed_exactly_from_its_source_states(state, action, build_client, pm):
    project = put_in(
        make_project(build_client, pm, **RUN_TERMS, run_referent=TechnicianFactory()), state
    )
    before = ProjectEvent.objects.filter(project=project).count()
    expected = ALLOWED[state].get(action)
    if expected is None:
        with pytest.raises(ProjectTransitionError) as excinfo:
            project_transition(project=project, action=action, by=pm, note="motif")
        assert "impossible" in str(excinfo.value)
        project.refresh_from_db()
        assert project.state == state
        assert ProjectEvent.objects.filter(project=project).count() == before
    else:
        project_transition(project=project, action=action, by=pm, note="motif")
        assert project.state == expected
        event = ProjectEvent.objects.filter(project=project, kind=EventKind.TRANSITION).last()
        assert (event.from_state, event.to_state) == (state, expected)
        assert event.actor == pm and event.note == "motif"
        assert event.payload == {"action": action}


@pytest.mark.django_db
@pytest.mark.parametrize("phase", ACTIVE_STATES)
def test_a_paused_project_resumes_in_the_phase_it_was_paused_in(phase, project, pm):
    put_in(project, phase)
    project_transition(project=project, action="hold", by=pm, note="Client en attente de budget")
    assert project.state == State.ON_HOLD and project.held_from == phase
    project_transition(project=project, action="resume", by=pm)
    assert project.state == phase and project.held_from == ""
    hold, resume = ProjectEvent.objects.filter(project=project, kind=EventKind.TRANSITION)
    assert (hold.from_state, hold.to_state, hold.note) == (
        phase,
        State.ON_HOLD,
        "Client en attente de budget",
    )
    assert (resume.from_state, resume.to_state) == (State.ON_HOLD, phase)


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["hold", "cancel", "rework"])
def test_pausing_cancelling_and_sending_back_need_a_reason(action, project, pm):
    put_in(project, State.ACCEPTANCE)
    with pytest.raises(ValidationError) as excinfo:
        project_transition(project=project, action=action, by=pm, note="  ")
    assert "motif" in str(excinfo.value)
    project.refresh_from_db()
    assert project.state == State.ACCEPTANCE


@pytest.mark.django_db
def test_a_project_walks_from_purchase_order_to_closure_with_a_full_history(build_client, pm):
    referent = TechnicianFactory()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False):
        project = make_project(
            build_client,
            pm,
            po_reference="BC-2026-0042",
            po_date=dt.date(2026, 2, 27),
            target_go_live=dt.date(2026, 6, 1),
        )
    services.project_update(project=project, by=pm, values={**RUN_TERMS, "run_referent": referent})
    path = ["plan", "provision", "integrate", "start_acceptance", "rework"]
    path += ["start_acceptance", "go_live", "close"]
    for action in path:
        project_transition(project=project, action=action, by=pm, note="ok")
    assert project.state == State.CLOSED
    assert project.went_live_at is not None and project.closed_at is not None
    kinds = list(project.events.values_list("kind", "to_state"))
    assert kinds[0] == (EventKind.CREATED, State.ORDERED)
    assert kinds[1][0] == EventKind.UPDATED
    transitions = [to for kind, to in kinds if kind == EventKind.TRANSITION]
    assert transitions == [
        State.PLANNING,
        State.PROVISIONING,
        State.INTEGRATION,
        State.ACCEPTANCE,
        State.INTEGRATION,
        State.ACCEPTANCE,
        State.IN_PRODUCTION,
        State.CLOSED,
    ]
    assert (EventKind.HANDOVER, "") in kinds


@pytest.mark.django_db
def test_the_state_field_cannot_be_written_directly(project):
    with pytest.raises(AttributeError):
        project.state = State.CLOSED


@pytest.mark.django_db
def test_project_events_are_append_only(project):
    event = project.events.first()
    event.note = "réécrit"
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.delete()


@pytest.mark.django_db
def test_available_actions_follow_the_state(project):
    assert [a for a, _label in services.available_actions(project)] == ["plan", "hold", "cancel"]
    put_in(project, State.ON_HOLD)
    assert [a for a, _label in services.available_actions(project)] == ["resume", "cancel"]
    put_in(project, State.CLOSED)
    assert services.available_actions(project) == []


@pytest.mark.django_db
def test_a_project_name_is_unique_within_its_client(build_client, pm):
    make_project(build_client, pm, name="Migration M365")
    with pytest.raises(ValidationError):
        make_project(build_client, pm, name="Migration M365")


@pytest.mark.django_db
def test_only_the_project_manager_or_a_manager_drives_milestones_and_tasks(project, pm):
    outsider = UserFactory(username="autre", is_staff=True)
    with pytest.raises(PermissionDenied):
        services.milestone_add(
            project=project, name="Kick-off", due_date=dt.date(2026, 3, 9), by=outsider
        )
    boss = make_manager().user
    milestone = services.milestone_add(
        project=project, name="Kick-off", due_date=dt.date(2026, 3, 9), by=boss
    )
    services.milestone_complete(milestone=milestone, by=pm)
    milestone.refresh_from_db()
    assert milestone.completed_at is not None and milestone.completed_by == pm
    event = project.events.get(kind=EventKind.MILESTONE)
    assert event.note == "Kick-off"


@pytest.mark.django_db
def test_provisioning_staff_report_progress_on_their_own_tasks_only(project, pm):
    network = TechnicianFactory(user__username="prov")
    stranger = TechnicianFactory(user__username="stranger")
    task = services.task_add(
        project=project, title="Configurer le pare-feu", category="network", by=pm, assignee=network
    )
    task = services.task_update(task=task, by=network.user, status="done")
    assert task.status == "done" and task.done_at is not None
    with pytest.raises(PermissionDenied):
        services.task_update(task=task, by=stranger.user, status="todo")
    with pytest.raises(PermissionDenied):
        services.task_update(task=task, by=network.user, assignee=stranger)
    task = services.task_update(task=task, by=pm, assignee=stranger, status="in_progress")
    assert task.assignee == stranger and task.done_at is None


@pytest.mark.django_db
def test_no_provisioning_task_is_added_once_the_project_is_live(project, pm):
    put_in(project, State.IN_PRODUCTION)
    with pytest.raises(ValidationError) as excinfo:
        services.task_add(project=project, title="Baie", category="servers", by=pm)
    assert "En production" in str(excinfo.value)
