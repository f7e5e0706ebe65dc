"""The demo seed: sm1 with a portfolio and a committee; running it again changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from portfolios.models import Assignment, AssignmentRecord, CommitteeAction, SteeringCommittee
from staff import policy
from staff.policy import Action

pytestmark = pytest.mark.django_db


def test_the_demo_service_manager_and_committee_are_seeded_once():
    call_command("seed_demo", tickets=10)
    call_command("seed_portfolios_demo")
    counts = (
        Assignment.objects.count(),
        AssignmentRecord.objects.count(),
        SteeringCommittee.objects.count(),
        CommitteeAction.objects.count(),
    )
    call_command("seed_portfolios_demo")
    assert counts == (
        Assignment.objects.count(),
        AssignmentRecord.objects.count(),
        SteeringCommittee.objects.count(),
        CommitteeAction.objects.count(),
    )
    assert counts[0] == 2 and counts[2] == 1 and counts[3] == 2
    sm1 = Assignment.objects.select_related("service_manager").first().service_manager
    assert sm1.username == "sm1" and sm1.check_password("oceanis-demo")
    committee = SteeringCommittee.objects.select_related("client").get()
    assert committee.client.code == "vendee-logistique"
    assert policy.allows(sm1, Action.STEERING_MANAGE, committee.client)
    assert committee.actions.filter(done=True).count() == 1
