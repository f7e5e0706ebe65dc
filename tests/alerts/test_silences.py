"""Maintenance windows: a silenced host's alerts open no ticket and page nobody; after the
window they do (the next alert, or the sweeper when the alert stopped repeating)."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alerts.models import Event, Silence
from alerts.parsing import parse_each
from alerts.services import alerts_ingest
from alerts.silences import silence_create, silence_end
from alerts.tasks import release_silenced_events
from oncall.models import Page
from tests.alerts.conftest import alert
from tests.alerts.test_intake import SUNDAY_3H, _contract_24x7, send
from tests.factories import ContractFactory, TechnicianFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

MONDAY_10H = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _silence(client, start, hours=2, **fields):
    return silence_create(
        client=client,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=hours),
        reason="Maintenance",
        by=TechnicianFactory().user,
        now=start,
        **fields,
    )


def test_a_silenced_hosts_critical_alert_opens_no_ticket_then_does_after_the_window(
    monitoring, acme
):
    _silence(acme, MONDAY_10H, host="srv1")
    with time_machine.travel(MONDAY_10H + dt.timedelta(minutes=5), tick=False):
        body = send(monitoring, alert(severity="critical")).json()
    assert body["tickets_opened"] == [] and Ticket.objects.count() == 0
    event = Event.objects.get()
    assert event.silenced_until == MONDAY_10H + dt.timedelta(hours=2)

    with time_machine.travel(MONDAY_10H + dt.timedelta(hours=2, minutes=1), tick=False):
        body = send(monitoring, alert(severity="critical")).json()
    assert len(body["tickets_opened"]) == 1
    assert Event.objects.get().ticket is not None


def test_another_host_of_the_client_is_not_silenced(monitoring, acme):
    _silence(acme, MONDAY_10H, host="srv1")
    with time_machine.travel(MONDAY_10H + dt.timedelta(minutes=5), tick=False):
        body = send(monitoring, alert(host="srv2", severity="critical")).json()
    assert len(body["tickets_opened"]) == 1


def test_a_short_host_name_silences_the_long_one_and_an_empty_host_the_whole_client(
    monitoring, acme
):
    _silence(acme, MONDAY_10H, host="srv1")
    other = ContractFactory(client__code="other").client
    _silence(other, MONDAY_10H)
    with time_machine.travel(MONDAY_10H + dt.timedelta(minutes=5), tick=False):
        assert (
            send(monitoring, alert(host="SRV1.acme.lan", severity="critical")).json()[
                "tickets_opened"
            ]
            == []
        )
        assert (
            send(monitoring, alert(host="db9", client="other", severity="critical")).json()[
                "tickets_opened"
            ]
            == []
        )
    assert Ticket.objects.count() == 0


def test_a_silence_that_has_not_started_silences_nothing(monitoring, acme):
    silence_create(
        client=acme,
        starts_at=MONDAY_10H + dt.timedelta(hours=1),
        ends_at=MONDAY_10H + dt.timedelta(hours=2),
        reason="Plus tard",
        by=None,
        now=MONDAY_10H,
    )
    with time_machine.travel(MONDAY_10H, tick=False):
        assert len(send(monitoring, alert(severity="critical")).json()["tickets_opened"]) == 1


def test_the_sweeper_opens_the_ticket_when_the_window_ends_without_a_new_alert(monitoring, acme):
    _silence(acme, MONDAY_10H, host="srv1")
    with time_machine.travel(MONDAY_10H + dt.timedelta(minutes=5), tick=False):
        send(monitoring, alert(severity="major"))
    assert release_silenced_events(now=MONDAY_10H + dt.timedelta(hours=1)) == 0
    assert Ticket.objects.count() == 0
    assert release_silenced_events(now=MONDAY_10H + dt.timedelta(hours=2, seconds=30)) == 1
    event = Event.objects.get()
    assert event.ticket is not None and event.silenced_until is None
    assert event.ticket.urgency == "very_blocking"
    # Done once: the next sweep finds nothing.
    assert release_silenced_events(now=MONDAY_10H + dt.timedelta(hours=3)) == 0
    assert Ticket.objects.count() == 1


def test_a_resolved_alert_during_the_window_leaves_nothing_to_open(monitoring, acme):
    _silence(acme, MONDAY_10H, host="srv1")
    with time_machine.travel(MONDAY_10H + dt.timedelta(minutes=5), tick=False):
        send(monitoring, alert(severity="critical"))
        send(monitoring, alert(severity="critical", status="resolved"))
    assert release_silenced_events(now=MONDAY_10H + dt.timedelta(hours=3)) == 0
    assert Ticket.objects.count() == 0


def test_a_silenced_critical_alert_out_of_hours_pages_nobody(monitoring, acme):
    _contract_24x7(acme)
    _silence(acme, SUNDAY_3H - dt.timedelta(minutes=30), host="srv1")
    with time_machine.travel(SUNDAY_3H, tick=False):
        send(monitoring, alert(severity="critical"))
    event = Event.objects.get()
    assert event.needs_oncall_page is False and event.ticket is None
    assert Page.objects.count() == 0


def test_lifting_a_silence_makes_its_events_due_at_once(monitoring, acme):
    silence = _silence(acme, MONDAY_10H, host="srv1")
    with time_machine.travel(MONDAY_10H + dt.timedelta(minutes=5), tick=False):
        send(monitoring, alert(severity="critical"))
    lifted_at = MONDAY_10H + dt.timedelta(minutes=10)
    silence_end(silence=silence, by=None, now=lifted_at)
    silence_end(silence=silence, by=None, now=lifted_at + dt.timedelta(minutes=1))  # idempotent
    assert Silence.objects.get().ended_at == lifted_at
    assert release_silenced_events(now=lifted_at + dt.timedelta(seconds=30)) == 1
    assert Event.objects.get().ticket is not None


def test_the_silence_check_is_one_query_and_only_when_something_would_escalate(acme):
    def silence_queries(payload, now):
        alerts, _invalid = parse_each(payload)
        with CaptureQueriesContext(connection) as ctx:
            alerts_ingest(alerts=alerts, by=None, now=now)
        return sum('"alerts_silence"' in q["sql"] for q in ctx.captured_queries)

    _silence(acme, MONDAY_10H, host="srv1")
    now = MONDAY_10H + dt.timedelta(minutes=5)
    assert silence_queries([alert(severity="warning", service=f"s{i}") for i in range(5)], now) == 0
    batch = [alert(severity="critical", service=f"c{i}") for i in range(5)]
    assert silence_queries(batch, now) == 1
    assert Ticket.objects.count() == 0
    assert Event.objects.filter(silenced_until__isnull=False).count() == 5
