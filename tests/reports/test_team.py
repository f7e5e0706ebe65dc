"""Team view figures on the hand-built month, with on-call pages when the model exists."""

import pytest

from reports.periods import Period
from reports.team import page_model, team_report
from tests.reports.conftest import NOW, at, make_page

MARCH = Period.month(2026, 3)


def line_of(report, technician):
    return next(line for line in report.lines if line.technician.pk == technician.pk)


def test_each_technician_gets_taken_handled_time_and_live_load(march):
    report = team_report(MARCH, now=NOW)
    alice = line_of(report, march.tech1)
    assert (alice.taken, alice.handled, alice.open_now) == (3, 2, 1)
    assert (alice.minutes, alice.travel, alice.total_minutes) == (30 + 45 + 20, 40, 135)
    bruno = line_of(report, march.tech2)
    assert (bruno.taken, bruno.handled, bruno.minutes) == (1, 1, 60)
    assert (bruno.open_now, bruno.at_risk_now) == (1, 1)  # T9, 75 % of its hour gone
    boss = line_of(report, march.manager)
    assert boss.minutes == 15
    assert report.total.handled == 3
    assert report.total.total_minutes == 135 + 60 + 15


def test_the_team_view_filtered_on_a_client_counts_only_its_tickets(march):
    report = team_report(MARCH, client=march.client_b, now=NOW)
    assert report.total.taken == 0
    assert report.total.total_minutes == 0


@pytest.mark.skipif(page_model() is None, reason="oncall.Page not installed")
def test_on_call_pages_and_the_one_hour_commitment_rate_per_technician(march):
    make_page(march.t[1], march.tech1, at(2, 9), True)
    make_page(march.t[2], march.tech1, at(2, 10), False)
    make_page(march.t[3], march.tech1, at(3, 9), None)  # outcome unknown yet: not in the rate
    make_page(march.t[9], march.tech2, at(2, 9, 10, month=4), True)  # April: outside the period
    report = team_report(MARCH, now=NOW)
    assert report.oncall_available
    alice = line_of(report, march.tech1)
    assert (alice.pages, alice.pages_decided, alice.pages_met, alice.met_rate) == (3, 2, 1, 0.5)
    assert line_of(report, march.tech2).pages == 0


def test_without_the_on_call_model_the_team_view_still_works(march, monkeypatch):
    monkeypatch.setattr("reports.team.page_model", lambda: None)
    report = team_report(MARCH, now=NOW)
    assert not report.oncall_available
    assert line_of(report, march.tech1).pages == 0


def test_team_queries_are_bounded(march, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        team_report(MARCH, now=NOW)
