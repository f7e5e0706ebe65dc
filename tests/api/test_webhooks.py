import datetime as dt
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core.exceptions import ValidationError

from api import tasks
from api.models import WebhookDelivery, WebhookSubscription
from api.services import webhooks
from tests.factories import TechnicianFactory, make_ticket
from tickets import services
from tickets.models import EventKind

pytestmark = pytest.mark.django_db

ALL = ["ticket.created", "ticket.taken_in_charge", "ticket.state_changed", "ticket.closed"]


class Receiver:
    """A loopback HTTP endpoint recording what it receives and answering a chosen status."""

    def __init__(self):
        self.requests, self.status = [], 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def soon():
    """A whole second just after the rows were created (they are due from creation on)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)).replace(microsecond=0)


def subscribe(url, events=ALL, client=None):
    return WebhookSubscription.objects.create(
        name="CRM", url=url, secret="s3cret", events=events, client=client
    )


def test_ticket_events_map_to_webhook_types(acme):
    ticket = make_ticket(client=acme)
    by = TechnicianFactory().user
    services.ticket_take_in_charge(ticket=ticket, by=by)
    services.ticket_resolve(ticket=ticket, by=by, note="Corrigé.")
    services.ticket_close(ticket=ticket, by=by, synthesis="ok")
    services.ticket_add_entry(ticket=ticket, by=by, body="x", public=True)
    types = [webhooks.event_types(e) for e in ticket.events.order_by("at", "pk")]
    assert types == [
        ["ticket.created"],
        ["ticket.taken_in_charge", "ticket.state_changed"],
        ["ticket.state_changed"],
        ["ticket.closed", "ticket.state_changed"],
        [],
    ]


def test_fan_out_creates_one_delivery_per_interested_subscription_once(acme, globex):
    everything = subscribe("http://127.0.0.1:9/a")
    acme_only = subscribe("http://127.0.0.1:9/b", client=acme)
    subscribe("http://127.0.0.1:9/c", client=globex)
    subscribe("http://127.0.0.1:9/d", events=["ticket.closed"])
    event = make_ticket(client=acme).events.get(kind=EventKind.CREATED)
    ids = webhooks.fan_out(event.pk)
    assert set(WebhookDelivery.objects.values_list("subscription", flat=True)) == {
        everything.pk,
        acme_only.pk,
    }
    assert sorted(webhooks.fan_out(event.pk)) == sorted(ids)  # replay: nothing new
    assert WebhookDelivery.objects.count() == 2
    delivery = WebhookDelivery.objects.get(subscription=acme_only)
    assert delivery.payload["ticket"]["client"] == "acme"
    assert delivery.payload["type"] == "ticket.created"


def test_a_client_subscription_never_hears_of_internal_events(acme):
    subscribe("http://127.0.0.1:9/a", client=acme)
    ticket = make_ticket(client=acme)
    tech = TechnicianFactory()
    services.ticket_assign(ticket=ticket, technician=tech, by=tech.user)  # internal event
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    assert event.public is False and webhooks.event_types(event)
    assert webhooks.fan_out(event.pk) == []


def test_a_delivery_is_signed_with_hmac_sha256(acme, receiver):
    subscribe(receiver.url)
    event = make_ticket(client=acme).events.get(kind=EventKind.CREATED)
    [delivery_id] = webhooks.fan_out(event.pk)
    now = soon()
    with time_machine.travel(now, tick=False):
        delivery = webhooks.attempt(delivery_id)
    assert delivery.status == WebhookDelivery.Status.SENT and delivery.response_status == 200
    [(headers, body)] = receiver.requests
    assert headers["X-Oceanis-Event"] == "ticket.created"
    assert headers["X-Oceanis-Delivery"] == str(delivery.delivery_key)
    timestamp, signature = (
        part.split("=", 1)[1] for part in headers["X-Oceanis-Signature"].split(",")
    )
    assert int(timestamp) == int(now.timestamp())
    expected = hmac.new(b"s3cret", f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    assert json.loads(body)["ticket"]["reference"] == event.ticket.reference


def test_failures_are_retried_with_exponential_backoff_then_marked_failed(acme, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.status = 503
    subscribe(receiver.url)
    [delivery_id] = webhooks.fan_out(make_ticket(client=acme).events.get().pk)
    now = soon()
    delays = []
    for _ in range(3):
        with time_machine.travel(now, tick=False):
            delivery = webhooks.attempt(delivery_id)
        assert delivery.last_error == "HTTP 503" and delivery.response_status == 503
        delays.append(delivery.next_attempt_at - now)
        now = delivery.next_attempt_at
    # 30 s then 60 s, each within the ±20 % jitter that spreads retries after an outage.
    assert dt.timedelta(seconds=24) <= delays[0] <= dt.timedelta(seconds=36)
    assert dt.timedelta(seconds=48) <= delays[1] <= dt.timedelta(seconds=72)
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.attempts == 3
    assert len(receiver.requests) == 3


def test_an_unreachable_endpoint_is_logged(acme):
    subscribe("http://127.0.0.1:9/nothing-listens-here")
    [delivery_id] = webhooks.fan_out(make_ticket(client=acme).events.get().pk)
    delivery = webhooks.attempt(delivery_id)
    assert delivery.status == WebhookDelivery.Status.PENDING
    assert delivery.last_error and delivery.response_status is None


def test_a_delivery_not_yet_due_is_not_attempted_twice(acme, receiver):
    subscribe(receiver.url)
    receiver.status = 500
    [delivery_id] = webhooks.fan_out(make_ticket(client=acme).events.get().pk)
    webhooks.attempt(delivery_id)
    assert webhooks.attempt(delivery_id) is None  # backoff not elapsed
    assert len(receiver.requests) == 1


def test_the_task_reenqueues_itself_after_the_backoff_when_a_broker_runs(
    acme, receiver, settings, monkeypatch
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    receiver.status = 500
    subscribe(receiver.url)
    [delivery_id] = webhooks.fan_out(make_ticket(client=acme).events.get().pk)
    scheduled = []
    monkeypatch.setattr(
        tasks.webhook_deliver, "apply_async", lambda args, countdown: scheduled.append(countdown)
    )
    assert tasks.webhook_deliver.run(delivery_id) == "pending"
    assert scheduled and 23 <= scheduled[0] <= 36  # 30 s ± 20 % jitter


def test_a_committed_ticket_event_is_delivered_through_celery(
    staff_api, acme, receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver.url, events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(
            "/api/v1/tickets/", {"client": "acme", "title": "x", "urgency": "critical"}
        )
    assert response.status_code == 201
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.SENT
    assert (
        json.loads(receiver.requests[0][1])["ticket"]["reference"] == response.json()["reference"]
    )


def test_the_rows_are_written_with_the_event_and_the_sweeper_sends_them(acme, receiver):
    subscribe(receiver.url)
    ticket = make_ticket(client=acme)  # on_commit never ran: no Celery message at all
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.PENDING
    assert tasks.webhooks_sweep.run() == {"sent": 1, "failed": 0}
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SENT
    assert receiver.requests and ticket.reference in receiver.requests[0][1].decode()


def test_subscription_events_are_validated():
    with pytest.raises(ValidationError):
        WebhookSubscription(
            name="x", url="https://example.test/", events=["ticket.exploded"]
        ).full_clean()
