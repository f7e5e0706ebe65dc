"""Each figure of the service report pinned on the hand-built month (see conftest)."""

from datetime import date, timedelta

import pytest

from reports.periods import Period
from reports.selectors.service import ServiceReport
from tests.reports.conftest import NOW

MARCH = Period.month(2026, 3)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def report(march):
    return ServiceReport(march.client_a, MARCH, as_of=NOW)


def counts(report, field):
    return {b.value: b.count for b in report.breakdowns[field] if b.count}


def test_tickets_created_in_the_month_are_counted_by_each_dimension(report):
    assert report.total == 6
    assert counts(report, "kind") == {"request": 5, "incident": 1}
    assert counts(report, "urgency") == {
        "critical": 2,
        "very_blocking": 1,
        "slightly_blocking": 2,
        "non_blocking": 1,
    }
    assert counts(report, "complexity") == {"standard": 5, "expert": 1}
    assert counts(report, "technical_domain") == {"network": 2, "systems": 1, "": 3}
    assert counts(report, "channel") == {"phone": 3, "email": 1, "extranet": 1, "monitoring": 1}


def test_gti_met_rate_per_urgency_counts_running_clocks_past_their_deadline_as_breaches(report):
    lines = {g.urgency: (g.met, g.breached, g.rate) for g in report.gti}
    assert lines == {
        "critical": (1, 1, 0.5),
        "very_blocking": (1, 0, 1.0),
        "slightly_blocking": (1, 0, 1.0),  # the cancelled one is not measured
        "non_blocking": (0, 1, 0.0),
    }
    assert (report.gti_total.met, report.gti_total.breached, report.gti_total.rate) == (3, 2, 0.6)


def test_the_breach_list_names_the_late_tickets_oldest_first(report, march):
    assert [t.reference for t in report.breaches()] == [
        march.t[2].reference,
        march.t[5].reference,
    ]


def test_median_and_p90_of_take_in_charge_and_treatment_times_are_interpolated(report):
    stats = {d.key: (d.count, d.median, d.p90) for d in report.durations}
    # TI business 30, 60, 90, 330 → median 75, p90 = 90 + 0.7 × 240 = 258.
    assert stats["ti_business"] == (4, minutes(75), minutes(258))
    # TI wall 30, 60, 90, 420 → median 75, p90 = 90 + 0.7 × 330 = 321.
    assert stats["ti_wall"] == (4, minutes(75), minutes(321))
    # Treatment (closed in March) business 90, 240, 270 → median 240, p90 = 240 + 0.8 × 30.
    assert stats["treatment_business"] == (3, minutes(240), minutes(264))
    # Wall 90, 360, 1110 → median 360, p90 = 360 + 0.8 × 750 = 960.
    assert stats["treatment_wall"] == (3, minutes(360), minutes(960))


def test_backlog_counts_tickets_neither_closed_nor_cancelled_at_the_end_of_each_day(report):
    by_day = {p.day: p.value for p in report.backlog}
    assert len(by_day) == 31
    assert by_day[date(2026, 3, 1)] == 1  # T7, created in February
    assert by_day[date(2026, 3, 2)] == 2  # + T2 (T1 closed the same day)
    assert by_day[date(2026, 3, 3)] == 2  # T3 created and closed on the 3rd
    assert by_day[date(2026, 3, 4)] == 3  # + T4
    assert by_day[date(2026, 3, 5)] == 3  # + T5, − T4
    assert by_day[date(2026, 3, 9)] == 3  # T6 cancelled the day it was created
    assert by_day[date(2026, 3, 31)] == 3


def test_reopen_rate_is_reopened_over_resolved_in_the_period(report):
    assert report.reopen == (3, 1)
    assert report.reopen_rate == pytest.approx(1 / 3)


def test_top_equipment_ranks_the_most_named_first(report):
    assert report.top_equipment == [("Firewall FW-01", 2), ("Serveur SRV-02", 1)]


def test_volume_gives_tickets_created_and_closed_per_day(report):
    volume = {day: (created, closed) for day, created, closed in report.volume}
    assert volume[date(2026, 3, 2)] == (2, 1)
    assert volume[date(2026, 3, 5)] == (1, 1)
    assert sum(v[0] for v in volume.values()) == 6
    assert sum(v[1] for v in volume.values()) == 3


def test_a_client_report_never_counts_another_clients_tickets(march):
    beta = ServiceReport(march.client_b, MARCH, as_of=NOW)
    assert beta.total == 1
    assert (beta.gti_total.met, beta.gti_total.breached) == (0, 1)
    assert [t.reference for t in beta.breaches()] == [march.t["b"].reference]


def test_the_whole_centre_adds_every_client_up(march):
    centre = ServiceReport(None, MARCH, as_of=NOW)
    assert centre.total == 7
    assert (centre.gti_total.met, centre.gti_total.breached) == (3, 3)
    assert centre.backlog[-1].value == 4


def test_a_long_range_groups_volumes_by_month_and_samples_the_backlog_weekly(march):
    year = ServiceReport(march.client_a, Period(date(2026, 1, 1), date(2026, 12, 31)), as_of=NOW)
    assert [v[0] for v in year.volume][:3] == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
    assert [(v[1], v[2]) for v in year.volume][1:4] == [(1, 0), (6, 3), (1, 0)]
    points = year.backlog_points()
    assert len(points) == 53 and points[-1] == date(2026, 12, 31)
