"""``seed_oncall_demo``: builds the demo rotation from seed_demo's technicians, idempotently."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from oncall.models import Override, Rotation, RotationMember, WeekOverride
from oncall.selectors import on_call_at
from tests.factories import TechnicianFactory, make_manager

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_staff(db):
    make_manager("manager")
    return [TechnicianFactory(user__username=f"tech{n}") for n in range(1, 8)]


def test_it_builds_the_rotation_from_the_demo_technicians_and_is_idempotent(demo_staff):
    out = StringIO()
    call_command("seed_oncall_demo", stdout=out)
    call_command("seed_oncall_demo", stdout=out)
    rotation = Rotation.objects.get()
    assert rotation.is_active and rotation.start_date.weekday() == 3
    assert rotation.handover_time == dt.time(8, 30)
    assert list(
        RotationMember.objects.order_by("position").values_list(
            "technician__user__username", flat=True
        )
    ) == [f"tech{n}" for n in range(1, 8)]
    assert rotation.escalation_contact.user.username == "manager"
    assert Override.objects.count() == 1
    assert WeekOverride.objects.count() == 3  # the swapped pair and a week with another manager
    assert on_call_at() is not None
    assert "On call now" in out.getvalue()
    assert "left unchanged" in out.getvalue()


def test_it_creates_the_internal_client_for_datacenter_alarms(demo_staff):
    from clients.models import Client

    call_command("seed_oncall_demo", stdout=StringIO())
    assert Client.objects.filter(code="oceanis").exists()


def test_it_fails_clearly_without_the_demo_technicians(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_oncall_demo", stdout=StringIO())
