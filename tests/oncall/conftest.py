"""On-call fixtures: a rotation of named technicians and a 24x7 client."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from oncall.models import Rotation
from oncall.services import rotation_set_members
from sla.policy import HoursPlan
from tests.factories import ContractFactory, TechnicianFactory, make_manager

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


def make_rotation(names=("alice", "bruno", "chloe"), start=dt.date(2026, 10, 1), boss=None):
    technicians = [
        TechnicianFactory(
            user__username=name, user__first_name=name.title(), user__last_name="", phone=""
        )
        for name in names
    ]
    rotation = Rotation.objects.create(
        name="Astreinte Oceanis", start_date=start, escalation_contact=boss
    )
    rotation_set_members(rotation=rotation, technicians=technicians)
    return rotation, technicians


@pytest.fixture
def boss(db):
    return make_manager("boss")


@pytest.fixture
def rotation(db, boss):
    """alice, bruno, chloe from Thursday 1 Oct 2026 08:30 Paris; boss escalates."""
    return make_rotation(boss=boss)


@pytest.fixture
def client_24x7(db):
    return ContractFactory(hours_plan=HoursPlan.ON_CALL).client


@pytest.fixture(autouse=True)
def _oncall_settings(settings):
    settings.ONCALL_ACK_MINUTES = 10
    settings.ONCALL_REPAGES = 1
    settings.ONCALL_SMS_WEBHOOK_URL = ""
    settings.ONCALL_VOICE_WEBHOOK_URL = ""
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the test gateways listen on loopback
    settings.OCEANIS_BASE_URL = "https://desk.oceanis.test"
    settings.OCEANIS_INTERNAL_CLIENT_CODE = "oceanis"
