"""Channels: e-mail (mail.outbox) and the SMS/voice HTTP gateway (a loopback server)."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from oncall.channels import configured_channels
from oncall.channels.base import PageChannel, PageMessage
from oncall.channels.webhook import SmsChannel
from oncall.models import Page, PageAttempt
from oncall.services import paging
from tests.factories import make_ticket
from tests.oncall.conftest import paris

pytestmark = pytest.mark.django_db

SATURDAY_3AM = paris(2026, 10, 3, 3, 0)


class Gateway:
    """A loopback HTTP server answering with the queued statuses (then 200), recording bodies."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def raise_page(client, capture):
    with time_machine.travel(SATURDAY_3AM, tick=False), capture(execute=True):
        ticket = make_ticket(client=client, urgency="critical", title="Serveur de messagerie HS")
    return Page.objects.get(ticket=ticket)


def sweep_for(minutes):
    """The every-minute sweeper over the next minutes (retries are its job, not a sleep's)."""
    for minute in range(1, minutes + 1):
        with time_machine.travel(SATURDAY_3AM + dt.timedelta(minutes=minute), tick=False):
            paging.sweep()


@pytest.fixture(autouse=True)
def _three_attempts(settings):
    # Short retry-then-fail scenarios; the default budget is proven in test_page_delivery.py.
    settings.ONCALL_PAGE_MAX_ATTEMPTS = 3


@pytest.fixture
def no_sleep(monkeypatch):
    """Paging must never sleep in a worker: any call fails the test."""

    def forbidden(seconds):
        raise AssertionError(f"time.sleep({seconds}) in a worker")

    monkeypatch.setattr("time.sleep", forbidden)


@pytest.fixture
def phones(rotation):
    _, technicians = rotation
    for n, tech in enumerate(technicians):
        tech.phone = f"+3360000000{n}"
        tech.save()
    return technicians


def test_the_email_says_what_when_and_how_to_acknowledge(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    page = raise_page(client_24x7, django_capture_on_commit_callbacks)
    message = next(m for m in mail.outbox if "X-Oceanis-Page" in m.extra_headers)
    assert message.to == ["alice@example.test"]
    assert message.extra_headers["X-Oceanis-Page"] == str(page.pk)
    assert "Serveur de messagerie HS" in message.subject
    assert "03/10/2026 04:00" in message.body  # the intervention deadline, Paris time
    html = message.alternatives[0][0]
    assert "Acquitter et prendre en charge" in html
    attempt = PageAttempt.objects.get(page=page)
    assert (attempt.channel, attempt.recipient, attempt.status, attempt.attempts) == (
        "email",
        "alice@example.test",
        "sent",
        1,
    )


def test_sms_and_voice_go_to_the_gateway_as_json_with_the_ack_link(
    phones, client_24x7, settings, django_capture_on_commit_callbacks
):
    with Gateway() as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        settings.ONCALL_VOICE_WEBHOOK_URL = gateway.url("/voice")
        settings.ONCALL_WEBHOOK_TOKEN = "gw-secret"
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
    assert [r["path"] for r in gateway.requests] == ["/sms", "/voice"]
    body = json.loads(gateway.requests[0]["body"])
    assert body["channel"] == "sms"
    assert body["to"] == "+33600000000"
    assert body["ticket"] == page.ticket.reference
    assert body["level"] == "primary"
    assert body["ack_url"].startswith("https://desk.oceanis.test/oncall/ack/")
    assert body["ack_url"] in body["message"]
    headers = gateway.requests[0]["headers"]
    assert headers["Authorization"] == "Bearer gw-secret"
    assert headers["Content-Type"] == "application/json"
    sms = page.attempts.get(channel="sms")
    assert headers["Idempotency-Key"] == body["idempotency_key"] == str(sms.delivery_key)
    assert sorted(page.attempts.values_list("channel", "status")) == [
        ("email", "sent"),
        ("sms", "sent"),
        ("voice", "sent"),
    ]


def test_a_failing_gateway_is_retried_without_sleep_with_the_same_idempotency_key(
    phones, client_24x7, settings, django_capture_on_commit_callbacks, no_sleep
):
    with Gateway(statuses=[503, 502]) as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
        assert len(gateway.requests) == 1  # one try, then the row waits for its retry
        sms = page.attempts.get(channel="sms")
        assert (sms.status, sms.attempts, sms.last_error) == ("pending", 1, "HTTP 503")
        sweep_for(2)
    assert len(gateway.requests) == 3
    keys = {r["headers"]["Idempotency-Key"] for r in gateway.requests}
    assert keys == {str(sms.delivery_key)}
    assert {json.loads(r["body"])["idempotency_key"] for r in gateway.requests} == keys
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == ("sent", 3, "")
    assert page.attempts.get(channel="email").attempts == 1  # the e-mail went at once, once


def test_the_celery_retry_is_scheduled_after_the_backoff_when_a_broker_runs(
    phones, client_24x7, settings, django_capture_on_commit_callbacks, monkeypatch, no_sleep
):
    from oncall import tasks

    scheduled = []
    monkeypatch.setattr(
        tasks.deliver_page_message,
        "apply_async",
        lambda args, countdown: scheduled.append((args, countdown)),
    )
    settings.ONCALL_PAGE_RETRY_BASE_SECONDS = 30
    with Gateway(statuses=[503, 503]) as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)  # eager: no retry
        assert scheduled == []
        settings.CELERY_TASK_ALWAYS_EAGER = False  # from now on a broker takes the retries
        sms = page.attempts.get(channel="sms")
        with time_machine.travel(sms.next_attempt_at, tick=False):
            assert tasks.deliver_page_message.run(sms.pk) is False  # 503 again
        [(args, countdown)] = scheduled
        assert args == [sms.pk] and 48 <= countdown <= 72  # 2 × 30 s ± 20 %
        sms.refresh_from_db()
        with time_machine.travel(sms.next_attempt_at, tick=False):
            assert tasks.deliver_page_message.run(sms.pk) is True
    assert len(gateway.requests) == 3
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("sent", 3)


def test_a_gateway_down_for_good_is_logged_failed_and_email_still_goes(
    phones, client_24x7, settings, django_capture_on_commit_callbacks, caplog
):
    with Gateway(statuses=[500, 500, 500, 500]) as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
        sweep_for(5)
    sms = page.attempts.get(channel="sms")
    assert (sms.status, sms.attempts, sms.last_error) == ("failed", 3, "HTTP 500")
    assert page.attempts.get(channel="email").status == "sent"
    assert len(gateway.requests) == 3
    assert caplog.text.count("sms gateway try") == 3


def test_a_refused_request_is_not_retried(
    phones, client_24x7, settings, django_capture_on_commit_callbacks
):
    with Gateway(statuses=[422]) as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
        sweep_for(3)
    assert len(gateway.requests) == 1
    sms = page.attempts.get(channel="sms")
    assert (sms.status, sms.last_error) == ("failed", "HTTP 422")


def test_an_unreachable_gateway_is_retried_then_failed(
    phones, client_24x7, settings, django_capture_on_commit_callbacks
):
    with Gateway() as gateway:
        url = gateway.url("/sms")
    settings.ONCALL_SMS_WEBHOOK_URL = url  # the server is closed: connection refused
    page = raise_page(client_24x7, django_capture_on_commit_callbacks)
    sweep_for(5)
    sms = page.attempts.get(channel="sms")
    assert (sms.status, sms.attempts) == ("failed", 3)
    assert "URLError" in sms.last_error or "Connection" in sms.last_error


def test_a_technician_without_phone_is_skipped_on_sms_only(
    rotation, client_24x7, settings, django_capture_on_commit_callbacks
):
    with Gateway() as gateway:
        settings.ONCALL_SMS_WEBHOOK_URL = gateway.url("/sms")
        page = raise_page(client_24x7, django_capture_on_commit_callbacks)
    assert gateway.requests == []
    assert dict(page.attempts.values_list("channel", "status")) == {
        "email": "sent",
        "sms": "skipped",
    }


def test_channels_without_a_gateway_url_are_off(settings):
    assert [c.name for c in configured_channels()] == ["email"]
    settings.ONCALL_VOICE_WEBHOOK_URL = "https://gw.example.test/voice"
    assert [c.name for c in configured_channels()] == ["email", "voice"]


class ShoutChannel(PageChannel):
    """A third-party channel: proves the interface is enough to add a provider."""

    name = "shout"
    sent: list = []

    def address(self, technician):
        return technician.user.username

    def send(self, address, message: PageMessage):
        from oncall.channels.base import Delivery

        ShoutChannel.sent.append((address, message.short_text))
        return Delivery("sent", address)


class BrokenChannel(ShoutChannel):
    name = "broken"

    def send(self, address, message):
        raise RuntimeError("provider SDK exploded")


def test_a_new_channel_plugs_in_by_setting_and_a_broken_one_does_not_stop_the_others(
    rotation, client_24x7, settings, django_capture_on_commit_callbacks
):
    settings.ONCALL_CHANNELS = [
        "tests.oncall.test_channels.BrokenChannel",
        "tests.oncall.test_channels.ShoutChannel",
    ]
    ShoutChannel.sent = []
    page = raise_page(client_24x7, django_capture_on_commit_callbacks)
    assert ShoutChannel.sent[0][0] == "alice"
    assert page.ticket.reference in ShoutChannel.sent[0][1]
    broken = page.attempts.get(channel="broken")
    assert broken.status == "pending" and "provider SDK exploded" in broken.last_error
    sweep_for(5)  # retried like any failure, then a dead letter
    broken.refresh_from_db()
    assert (broken.status, broken.attempts) == ("failed", 3)
    assert page.attempts.get(channel="shout").attempts == 1


def test_a_bad_gateway_url_fails_the_system_checks(settings):
    settings.ONCALL_SMS_WEBHOOK_URL = "ftp://gw.example.test/sms"
    with pytest.raises(SystemCheckError, match="ONCALL_SMS_WEBHOOK_URL"):
        call_command("check")


def test_sms_text_is_one_short_paragraph(rotation, client_24x7, django_capture_on_commit_callbacks):
    page = raise_page(client_24x7, django_capture_on_commit_callbacks)
    message = paging.build_message(page, page.target, level=0, step=0)
    assert "\n" not in message.short_text
    assert len(message.short_text) < 400
    assert SmsChannel().body("+33", message)["message"] == message.short_text
    assert dt.timedelta(hours=1) == page.intervention_deadline - page.raised_at
