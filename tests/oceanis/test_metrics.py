"""/metrics: who may read it, and each figure it promises (README "Monitoring")."""

import datetime as dt
import os

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from api.services import token_create
from notifications.models import Notification
from oceanis.celery import app as celery_app
from oceanis.schedule import EmbeddedScheduler
from ops import broker
from ops.tasks import record_worker_heartbeat
from tests.api.conftest import bearer
from tests.factories import ContractFactory, make_ticket
from tests.oceanis.metrics_support import scrape, value
from tickets.models import State, Ticket

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture(autouse=True)
def _fresh_broker_answer():
    broker.forget()
    yield
    broker.forget()


# --- who may read it ---------------------------------------------------------------------------


def test_loopback_reads_the_metrics_by_default(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    assert "oceanis_http_request_duration_seconds" in response.content.decode()


def test_another_network_gets_a_404_that_reveals_nothing(client):
    response = client.get("/metrics", **OUTSIDE)
    assert response.status_code == 404
    assert b"oceanis_" not in response.content


def test_a_request_relayed_by_a_proxy_on_loopback_is_not_taken_for_a_local_one(client):
    response = client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert response.status_code == 404
    assert b"oceanis_" not in response.content


@override_settings(METRICS_TOKEN="s3cret-scrape-token")
def test_the_token_admits_a_scraper_from_any_network(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token", **OUTSIDE)
    assert response.status_code == 200
    assert b"oceanis_http_request_duration_seconds" in response.content


@override_settings(METRICS_TOKEN="s3cret-scrape-token")
def test_a_wrong_token_gets_a_403_that_reveals_nothing(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer guessed", **OUTSIDE)
    assert response.status_code == 403
    assert b"oceanis_" not in response.content


def test_without_a_configured_token_no_bearer_admits_anyone(client):
    # An empty METRICS_TOKEN must not match an empty "Bearer " header.
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", **OUTSIDE)
    assert response.status_code == 403
    assert b"oceanis_" not in response.content


def test_allowed_networks_admit_the_monitoring_network_and_only_it(client):
    import ipaddress

    with override_settings(METRICS_ALLOWED_NETWORKS=[ipaddress.ip_network("203.0.113.0/24")]):
        assert client.get("/metrics", **OUTSIDE).status_code == 200
        assert client.get("/metrics").status_code == 404  # loopback no longer listed


def test_metrics_allowed_networks_are_read_from_the_environment(tmp_path):
    import json
    import subprocess
    import sys

    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([str(n) for n in s.METRICS_ALLOWED_NETWORKS]))"
    )
    env = {
        **os.environ,
        "OCEANIS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "oceanis.settings",
    }
    env["METRICS_ALLOWED_NETWORKS"] = "10.20.0.0/16, fd00::/8"
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout.splitlines()[-1]) == ["10.20.0.0/16", "fd00::/8"]


def test_only_get_is_answered(client):
    assert client.post("/metrics").status_code == 405


# --- request latency ---------------------------------------------------------------------------


def test_each_request_is_timed_under_its_view_name_method_and_status(client):
    labels = {"view": "healthz", "method": "GET", "status": "200"}
    before = value(scrape(client), "oceanis_http_request_duration_seconds_count", **labels) or 0
    for _ in range(3):
        client.get("/healthz")
    text = scrape(client)
    assert value(text, "oceanis_http_request_duration_seconds_count", **labels) == before + 3
    assert value(text, "oceanis_http_request_duration_seconds_sum", **labels) > 0


def test_an_unknown_path_is_one_series_not_one_per_path(client):
    labels = {"view": "<unresolved>", "method": "GET", "status": "404"}
    before = value(scrape(client), "oceanis_http_request_duration_seconds_count", **labels) or 0
    client.get("/no-such-page-1/")
    client.get("/no-such-page-2/")
    text = scrape(client)
    assert value(text, "oceanis_http_request_duration_seconds_count", **labels) == before + 2
    assert "no-such-page" not in text


# --- outboxes ------------------------------------------------------------------------------------


def test_every_outbox_channel_is_exposed(client):
    text = scrape(client)
    for channel in ("mail", "webhook", "incident_mail", "page"):
        for name in ("pending", "sending", "failed", "oldest_pending_age_seconds"):
            assert value(text, f"oceanis_outbox_{name}", channel=channel) is not None, (
                channel,
                name,
            )
    assert value(text, "oceanis_outbox_oldest_pending_age_seconds", channel="webhook") == 0


def test_outbox_depth_failures_and_age_of_the_oldest_pending_mail(client):
    ticket = make_ticket()
    event = ticket.events.first()
    Notification.objects.all().delete()

    def mail(status, age):
        return Notification.objects.create(
            ticket=ticket,
            event=event,
            kind="created",
            audience=Notification.Audience.CLIENT,
            recipient=f"{status}-{age}@example.com",
            status=status,
            created_at=NOW - dt.timedelta(seconds=age),
        )

    mail("pending", 120)
    mail("pending", 30)
    mail("failed", 3600)
    mail("sent", 7200)
    with time_machine.travel(NOW, tick=False):
        text = scrape(client)
    assert value(text, "oceanis_outbox_pending", channel="mail") == 2
    assert value(text, "oceanis_outbox_sending", channel="mail") == 0
    assert value(text, "oceanis_outbox_failed", channel="mail") == 1
    assert value(text, "oceanis_outbox_oldest_pending_age_seconds", channel="mail") == 120


# --- GTI -----------------------------------------------------------------------------------------


def test_gti_at_risk_and_breached_count_open_tickets_by_the_queues_rule(client):
    contract = ContractFactory()

    def ticket(state, *, deadline_in, risk_in, met=None):
        made = make_ticket(client=contract.client)
        Ticket.objects.filter(pk=made.pk).update(
            state=state,
            gti_deadline=NOW + dt.timedelta(minutes=deadline_in),
            gti_risk_at=NOW + dt.timedelta(minutes=risk_in),
            gti_met=met,
        )

    Ticket.objects.all().delete()
    ticket(State.NEW, deadline_in=30, risk_in=-10)  # at risk
    ticket(State.ASSIGNED, deadline_in=30, risk_in=-1)  # at risk
    ticket(State.NEW, deadline_in=60, risk_in=10)  # fine
    ticket(State.NEW, deadline_in=-5, risk_in=-60)  # breached, clock still running
    ticket(State.IN_PROGRESS, deadline_in=-90, risk_in=-120, met=False)  # taken in charge late
    ticket(State.IN_PROGRESS, deadline_in=-90, risk_in=-120, met=True)  # met
    ticket(State.CLOSED, deadline_in=-900, risk_in=-990, met=False)  # history, not open
    with time_machine.travel(NOW, tick=False):
        text = scrape(client)
    assert value(text, "oceanis_tickets_gti_at_risk") == 2
    assert value(text, "oceanis_tickets_gti_breached") == 2


# --- worker heartbeat ----------------------------------------------------------------------------


def test_heartbeat_age_is_infinite_until_a_worker_ran_the_job(client):
    assert value(scrape(client), "oceanis_worker_heartbeat_age_seconds") == float("inf")


def test_heartbeat_age_counts_from_the_last_run_of_the_job(client):
    with time_machine.travel(NOW, tick=False):
        record_worker_heartbeat.apply()
    with time_machine.travel(NOW + dt.timedelta(seconds=90), tick=False):
        assert value(scrape(client), "oceanis_worker_heartbeat_age_seconds") == 90


def test_the_heartbeat_job_is_scheduled_every_minute_and_runs_in_the_embedded_mode(client):
    entry = settings.CELERY_BEAT_SCHEDULE["ops-worker-heartbeat"]
    with time_machine.travel(NOW + dt.timedelta(seconds=30), tick=False) as clock:
        scheduler = EmbeddedScheduler(celery_app, {"heartbeat": entry})
        clock.move_to(NOW + dt.timedelta(minutes=1))
        scheduler.tick()
        assert value(scrape(client), "oceanis_worker_heartbeat_age_seconds") == 0


# --- broker --------------------------------------------------------------------------------------


def test_no_broker_gauge_in_the_embedded_mode(client):
    assert "oceanis_broker_up" not in scrape(client)


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_an_unreachable_broker_reads_0(client):
    assert value(scrape(client), "oceanis_broker_up") == 0


@pytest.mark.skipif(
    not os.environ.get("CELERY_TEST_BROKER_URL"), reason="needs CELERY_TEST_BROKER_URL (Redis)"
)
def test_a_reachable_broker_reads_1(client):
    with override_settings(
        CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=os.environ["CELERY_TEST_BROKER_URL"]
    ):
        assert value(scrape(client), "oceanis_broker_up") == 1


@override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_the_broker_is_checked_once_per_interval_not_at_every_scrape(client, monkeypatch):
    assert (broker.TIMEOUT_SECONDS, broker.CACHE_SECONDS) == (1.0, 10.0)  # as documented
    checks = []
    monkeypatch.setattr(broker, "_check", lambda url: checks.append(url) or False)
    assert broker.broker_reachable(now=1000.0) is False
    assert broker.broker_reachable(now=1000.0 + broker.CACHE_SECONDS - 0.1) is False
    assert len(checks) == 1
    broker.broker_reachable(now=1000.0 + broker.CACHE_SECONDS)
    assert len(checks) == 2


# --- alert intake --------------------------------------------------------------------------------


def test_alert_intake_counts_accepted_and_rejected_alerts(client):
    ContractFactory(client__code="acme")
    _token, raw = token_create(name="Supervision", scopes=["alerts:write"])
    before = scrape(client)
    payload = [
        {"host": "srv1", "service": "disk", "severity": "warning", "client": "acme"},
        {"host": "srv2", "service": "disk", "severity": "warning", "client": "acme"},
        {"host": "srv3", "service": "disk", "severity": "warning", "client": "nobody"},
    ]
    response = bearer(raw).post("/api/v1/alerts/", payload, format="json")
    assert response.status_code == 200, response.content
    after = scrape(client)
    for outcome, added in (("accepted", 2), ("rejected", 1)):
        old = value(before, "oceanis_alerts_received_total", outcome=outcome) or 0
        assert value(after, "oceanis_alerts_received_total", outcome=outcome) == old + added


# --- the database down ---------------------------------------------------------------------------


def test_a_failing_database_leaves_the_other_figures_and_says_so(client, monkeypatch):
    from django.db import OperationalError

    from ops import selectors

    def down(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(selectors, "outbox_stats", down)
    text = scrape(client)
    assert value(text, "oceanis_database_up") == 0
    assert "oceanis_http_request_duration_seconds_count" in text
    assert "oceanis_outbox_pending" not in text


@override_settings(SECURE_SSL_REDIRECT=True)
def test_prometheus_scrapes_over_plain_http_without_the_https_redirect(client):
    assert client.get("/metrics").status_code == 200
    assert client.get("/login/").status_code == 301  # while the rest is redirected
