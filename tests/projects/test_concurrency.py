"""Races that only a real database shows: run on PostgreSQL (CI), skipped on SQLite."""

import datetime as dt

import pytest
from django.db import connection

from projects.booking import OverbookingError, book
from projects.capacity import week_capacity
from projects.models import Booking, Project, State
from projects.services import ProjectTransitionError, project_transition
from tests.support import run_in_threads

from .conftest import make_project

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"
    ),
]

MONDAY = dt.date(2026, 6, 8)  # a week without public holidays


def test_two_projects_racing_for_an_engineers_last_half_day_yield_one_booking(
    build_client, pm, engineer
):
    first = make_project(build_client, pm, name="VPN")
    second = make_project(build_client, pm, name="Colocation", kind="colocation")
    book(project=first, engineer=engineer, start=MONDAY, end=MONDAY + dt.timedelta(days=3), by=pm)
    book(project=first, engineer=engineer, start=MONDAY + dt.timedelta(days=4), half="am", by=pm)
    projects = [first, second]

    def take_friday_afternoon(i):
        return book(
            project=projects[i],
            engineer=engineer,
            start=MONDAY + dt.timedelta(days=4),
            half="pm",
            by=pm,
        )

    results = run_in_threads(2, take_friday_afternoon)
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, OverbookingError)
    figures = week_capacity(engineer, MONDAY)
    assert figures.booked == figures.available == 10 and not figures.overbooked
    assert Booking.objects.filter(date=MONDAY + dt.timedelta(days=4), half="pm").count() == 1


def test_two_people_starting_the_same_phase_at_once_yield_one_transition(build_client, pm):
    project = make_project(build_client, pm, name="VPN")

    def plan(i):
        return project_transition(project=Project.objects.get(pk=project.pk), action="plan", by=pm)

    results = run_in_threads(2, plan)
    assert sorted(kind for kind, _ in results) == ["error", "ok"]
    assert isinstance(next(v for k, v in results if k == "error"), ProjectTransitionError)
    project.refresh_from_db()
    assert project.state == State.PLANNING
    assert project.events.filter(kind="transition").count() == 1
