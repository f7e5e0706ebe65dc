"""The change request state machine and its approval rules."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from changes import services
from changes.models import ChangeLog, ChangeRequest
from tests.factories import TechnicianFactory, make_manager

pytestmark = pytest.mark.django_db

S = ChangeRequest.State
T = ChangeRequest.Type

ALLOWED_NORMAL = {
    S.DRAFT: {"submit": S.SUBMITTED},
    S.SUBMITTED: {"approve": S.APPROVED, "reject": S.REJECTED},
    S.APPROVED: {"schedule": S.SCHEDULED},
    S.REJECTED: {"rework": S.DRAFT, "close": S.CLOSED},
    S.SCHEDULED: {"implement": S.IMPLEMENTED},
    S.IMPLEMENTED: {"review": S.REVIEWED},  # a normal change is reviewed before closing
    S.REVIEWED: {"close": S.CLOSED},
    S.CLOSED: {},
}
PATH_TO = {
    S.DRAFT: [],
    S.SUBMITTED: ["submit"],
    S.APPROVED: ["submit", "approve"],
    S.REJECTED: ["submit", "reject"],
    S.SCHEDULED: ["submit", "approve", "schedule"],
    S.IMPLEMENTED: ["submit", "approve", "schedule", "implement"],
    S.REVIEWED: ["submit", "approve", "schedule", "implement", "review"],
    S.CLOSED: ["submit", "approve", "schedule", "implement", "review", "close"],
}


def draft(requester, change_type=T.NORMAL, risk=ChangeRequest.Risk.MEDIUM, **fields):
    start = timezone.now() + dt.timedelta(days=2)
    values = {
        "description": "Mise à jour du firmware des pare-feu",
        "change_type": change_type,
        "risk": risk,
        "planned_start": start,
        "planned_end": start + dt.timedelta(hours=2),
        "implementation_plan": "1. Sauvegarde 2. Mise à jour 3. Tests",
        "rollback_plan": "Recharger la configuration sauvegardée",
    }
    values.update(fields)
    return services.change_create(title="Firmware pare-feu", by=requester, **values)


def act(change, action, user):
    return services.change_transition(
        change=change, action=action, by=user, note="Motif", outcome="success"
    )


@pytest.fixture
def people(db):
    return {"requester": TechnicianFactory().user, "manager": make_manager().user}


def change_in(state, people, change_type=T.NORMAL):
    change = draft(people["requester"], change_type=change_type)
    for action in PATH_TO[state]:
        act(change, action, people["manager"])
    assert change.state == state
    return change


@pytest.mark.parametrize("state", list(S))
@pytest.mark.parametrize("action", list(services.CHANGE_ACTIONS))
def test_each_change_action_is_allowed_exactly_where_the_lifecycle_says(state, action, people):
    change = change_in(state, people)
    before = ChangeLog.objects.filter(change=change).count()

    if action in ALLOWED_NORMAL[state]:
        act(change, action, people["manager"])
        assert change.state == ALLOWED_NORMAL[state][action]
        line = ChangeLog.objects.filter(change=change).last()
        assert (line.action, line.from_state, line.to_state, line.by) == (
            action,
            state,
            ALLOWED_NORMAL[state][action],
            people["manager"],
        )
    else:
        with pytest.raises(services.RecordTransitionError):
            act(change, action, people["manager"])
        change.refresh_from_db()
        assert change.state == state
        assert ChangeLog.objects.filter(change=change).count() == before


def test_a_change_cannot_be_scheduled_before_approval(people):
    for state in (S.DRAFT, S.SUBMITTED, S.REJECTED):
        change = change_in(state, people)
        with pytest.raises(services.RecordTransitionError):
            act(change, "schedule", people["manager"])
        assert change.approved_at is None


def test_the_approval_is_recorded_with_its_author(people):
    change = change_in(S.APPROVED, people)
    assert change.approved_by == people["manager"] and change.approved_at
    assert change.decision_note == "Motif" and not change.pre_approved


def test_a_standard_change_is_pre_approved_on_submission_and_closes_without_review(people):
    change = draft(people["requester"], change_type=T.STANDARD, risk=ChangeRequest.Risk.LOW)

    act(change, "submit", people["requester"])

    assert change.state == S.APPROVED and change.pre_approved and change.approved_by is None
    lines = list(ChangeLog.objects.filter(change=change).values_list("action", "to_state", "by"))
    assert lines == [
        ("submit", S.SUBMITTED, people["requester"].pk),
        ("approve", S.APPROVED, None),
    ]
    for action in ("schedule", "implement", "close"):
        act(change, action, people["requester"])
    assert change.state == S.CLOSED


def test_a_standard_change_must_be_low_risk(people):
    change = draft(people["requester"], change_type=T.STANDARD, risk=ChangeRequest.Risk.HIGH)
    with pytest.raises(ValidationError) as exc:
        act(change, "submit", people["requester"])
    assert "risk" in exc.value.error_dict
    assert change.state == S.DRAFT


def test_an_incomplete_change_cannot_be_submitted(people):
    change = draft(people["requester"], planned_start=None, planned_end=None, rollback_plan="")
    with pytest.raises(ValidationError) as exc:
        act(change, "submit", people["requester"])
    assert {"planned_start", "rollback_plan"} <= set(exc.value.error_dict)
    assert change.state == S.DRAFT


def test_a_window_must_end_after_it_starts(people):
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError):
        draft(people["requester"], planned_start=start, planned_end=start)


def test_nobody_approves_their_own_change_not_even_the_manager(people):
    change = draft(people["manager"])
    act(change, "submit", people["manager"])
    with pytest.raises(PermissionDenied):
        act(change, "approve", people["manager"])
    assert change.state == S.SUBMITTED


def test_a_plain_technician_cannot_approve_or_reject(people):
    outsider = TechnicianFactory().user
    change = change_in(S.SUBMITTED, people)
    for action in ("approve", "reject"):
        with pytest.raises(PermissionDenied):
            act(change, action, outsider)
    assert change.state == S.SUBMITTED
    assert {a for a, _l in services.change_actions(change, outsider)} == set()
    assert {a for a, _l in services.change_actions(change, people["manager"])} == {
        "approve",
        "reject",
    }


def test_a_named_approver_approves_a_normal_change_but_not_an_urgent_one(people):
    approver = TechnicianFactory()
    normal = draft(people["requester"], approvers=[approver])
    urgent = draft(people["requester"], change_type=T.EMERGENCY, approvers=[approver])
    for change in (normal, urgent):
        act(change, "submit", people["requester"])

    act(normal, "approve", approver.user)
    assert normal.state == S.APPROVED and normal.approved_by == approver.user

    with pytest.raises(PermissionDenied):
        act(urgent, "approve", approver.user)
    act(urgent, "approve", people["manager"])
    assert urgent.state == S.APPROVED


def test_rejecting_needs_a_reason_and_rework_clears_the_decision(people):
    change = change_in(S.SUBMITTED, people)
    with pytest.raises(ValidationError):
        services.change_transition(change=change, action="reject", by=people["manager"])
    services.change_transition(
        change=change, action="reject", by=people["manager"], note="Fenêtre trop courte"
    )
    assert change.decision_note == "Fenêtre trop courte"
    act(change, "rework", people["requester"])
    assert change.state == S.DRAFT and change.decision_note == "" and change.is_editable


def test_only_a_draft_is_edited(people):
    change = change_in(S.SUBMITTED, people)
    with pytest.raises(ValidationError):
        services.change_edit(change=change, by=people["requester"], title="Autre chose")


def test_implementation_records_its_outcome(people):
    change = change_in(S.SCHEDULED, people)
    with pytest.raises(ValidationError):
        services.change_transition(change=change, action="implement", by=people["manager"])
    services.change_transition(
        change=change, action="implement", by=people["manager"], outcome="rolled_back"
    )
    assert change.state == S.IMPLEMENTED and change.outcome == "rolled_back"


def test_a_window_already_over_cannot_be_scheduled(people):
    change = change_in(S.APPROVED, people)
    ChangeRequest.objects.filter(pk=change.pk).update(
        planned_start=timezone.now() - dt.timedelta(hours=3),
        planned_end=timezone.now() - dt.timedelta(hours=1),
    )
    with pytest.raises(ValidationError, match="passée"):
        act(change, "schedule", people["manager"])
