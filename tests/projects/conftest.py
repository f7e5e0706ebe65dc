"""Fixtures for the projects tests: a BUILD team, a project manager and a project."""

import pytest

from projects import services
from projects.models import Kind
from sla.policy import HoursPlan
from staff.models import Level, Team
from tests.factories import ClientFactory, TechnicianFactory, UserFactory

RUN_TERMS = {
    "run_hours_plan": HoursPlan.EXTENDED,
    "run_gti_critical_minutes": 30,
    "run_gti_very_blocking_minutes": 120,
    "run_gti_slightly_blocking_minutes": 480,
    "run_gti_non_blocking_minutes": 960,
}


@pytest.fixture
def pm(db):
    """The integration project manager (a staff user without a technician profile)."""
    return UserFactory(username="cdp", is_staff=True, first_name="Inès", last_name="Caron")


@pytest.fixture
def engineer(db):
    return TechnicianFactory(
        user__username="projet1",
        user__first_name="Claire",
        user__last_name="Fontaine",
        team=Team.BUILD,
        level=Level.EXPERT,
    )


@pytest.fixture
def other_engineer(db):
    return TechnicianFactory(
        user__username="projet2",
        user__first_name="Hugo",
        user__last_name="Chevalier",
        team=Team.BUILD,
        level=Level.EXPERT,
    )


@pytest.fixture
def build_client(db):
    return ClientFactory(name="Vendée Logistique", code="vendee-logistique")


def make_project(client, pm, name="VPN inter-sites", **values):
    values.setdefault("kind", Kind.VPN)
    return services.project_create(client=client, name=name, by=pm, project_manager=pm, **values)


@pytest.fixture
def project(build_client, pm):
    return make_project(build_client, pm)
