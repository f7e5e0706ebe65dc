"""Periods, charts, percentiles and the reporting session, on their own."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import translation

from reports.charts import bar_chart, line_chart
from reports.db import reporting_queries
from reports.percentiles import Percentile, percentiles
from reports.periods import Period
from tickets.models import Ticket


def test_a_month_runs_from_local_midnight_to_local_midnight_across_dst():
    march = Period.month(2026, 3)  # clocks go forward on 29 March
    assert march.start_at.astimezone(UTC) == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert march.end_at.astimezone(UTC) == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)
    assert march.days == 31 and march.label == "mars 2026"
    with translation.override("en"):
        assert march.label == "March 2026"
    assert Period.previous_month(date(2026, 1, 15)) == Period.month(2025, 12)
    assert Period(date(2026, 3, 2), date(2026, 3, 8)).label == "du 02/03/2026 au 08/03/2026"
    with pytest.raises(ValueError):
        Period(date(2026, 3, 2), date(2026, 3, 1))


def test_charts_are_labelled_images_and_escape_their_text():
    svg = bar_chart(title="Par <urgence>", desc="A & B", labels=["<b>x</b>", "y"], values=[3, None])
    assert svg.startswith('<svg class="chart"') and 'role="img"' in svg
    assert "<title" in svg and "Par &lt;urgence&gt;" in svg and "A &amp; B" in svg
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    line = line_chart(title="T", desc="D", labels=["a", "b", "c"], series=[("s", [1, 4, 2])])
    assert 'points="40.0,' in line and "aria-labelledby" in line


def test_percentile_fractions_outside_zero_one_are_refused():
    with pytest.raises(ValueError):
        Percentile("ti_measured", 1.5)


@pytest.mark.django_db
def test_no_percentile_asked_means_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert percentiles(Ticket.objects.all(), {}) == {}


@pytest.mark.django_db
def test_percentiles_interpolate_between_the_two_nearest_ranks(client_org):
    from django.db.models import F, Q

    from tests.factories import make_ticket

    for minutes in (10, 20, 40, 80, 160):
        ticket = make_ticket(client=client_org)
        Ticket.objects.filter(pk=ticket.pk).update(ti_measured=timedelta(minutes=minutes))
    specs = {
        "p0": (F("ti_measured"), 0.0, None),
        "p50": (F("ti_measured"), 0.5, None),
        "p90": (F("ti_measured"), 0.9, None),
        "p100": (F("ti_measured"), 1.0, None),
        "none": (F("ti_measured"), 0.5, Q(pk__lt=0)),
    }
    got = percentiles(Ticket.objects.order_by(), specs)
    # rank 0.9 × 4 = 3.6 → 80 + 0.6 × 80 = 128 minutes (what percentile_cont returns).
    assert got == {
        "p0": timedelta(minutes=10),
        "p50": timedelta(minutes=40),
        "p90": timedelta(minutes=128),
        "p100": timedelta(minutes=160),
        "none": None,
    }


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL session setting")
def test_report_queries_run_without_the_jit_compiler():
    with reporting_queries(), connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
