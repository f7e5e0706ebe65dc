"""Problems and change requests move in the admin only through ``changes.services``: each move
is logged, the approval rules apply, and a refusal is an admin message."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from changes import services
from changes.models import ChangeRequest, Problem
from tests.factories import TechnicianFactory

pytestmark = pytest.mark.django_db


def _change(requester):
    start = timezone.now() + dt.timedelta(days=2)
    return services.change_create(
        title="Firmware pare-feu",
        by=requester,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
        implementation_plan="Sauvegarde, mise à jour, tests",
        rollback_plan="Recharger la configuration",
    )


def _move(admin_client, model, obj, **fields):
    url = reverse(f"admin:changes_{model}_changelist")
    action = "change_transition" if model == "changerequest" else "problem_transition"
    data = {"action": action, "_selected_action": [obj.pk], "apply": "1"}
    data.update({f"svc-{name}": value for name, value in fields.items()})
    return admin_client.post(url, data, follow=True)


def test_a_change_is_submitted_and_approved_from_the_admin_with_its_log(admin_client, admin_user):
    change = _change(TechnicianFactory().user)
    _move(admin_client, "changerequest", change, action="submit", note="")
    _move(admin_client, "changerequest", change, action="approve", note="OK CAB")
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.APPROVED and change.approved_by == admin_user
    assert list(change.log.values_list("action", "by")) == [
        ("submit", admin_user.pk),
        ("approve", admin_user.pk),
    ]


def test_the_requester_cannot_approve_their_own_change_from_the_admin(admin_client, admin_user):
    change = _change(admin_user)
    _move(admin_client, "changerequest", change, action="submit", note="")
    response = _move(admin_client, "changerequest", change, action="approve", note="")
    assert response.status_code == 200
    assert "approbateur de ce changement" in response.content.decode()
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.SUBMITTED
    assert list(change.log.values_list("action", flat=True)) == ["submit"]


def test_a_problem_cannot_skip_its_rules_from_the_admin(admin_client):
    problem = services.problem_create(title="Lenteurs VPN", by=None)
    _move(admin_client, "problem", problem, action="start_analysis", note="")
    refused = _move(admin_client, "problem", problem, action="resolve", note="")
    problem.refresh_from_db()
    assert problem.state == Problem.State.ANALYSING
    assert "cause racine" in refused.content.decode()
    assert list(problem.log.values_list("action", flat=True)) == ["start_analysis"]


def test_problems_and_changes_are_read_only_and_never_deleted(admin_client):
    change = _change(TechnicianFactory().user)
    url = reverse("admin:changes_changerequest_change", args=[change.pk])
    assert admin_client.post(url, {"title": "Autre"}).status_code == 403
    delete = reverse("admin:changes_changerequest_delete", args=[change.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    page = admin_client.get(url).content.decode()
    assert 'name="action" value="change_transition"' in page
    change.refresh_from_db()
    assert change.title == "Firmware pare-feu"
