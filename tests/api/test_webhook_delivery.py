"""Webhooks are rows written with the ticket event: nothing is lost with the broker or the
worker, a retry or a re-send after a lost lease carries the same ``X-Oceanis-Delivery``."""

import datetime as dt
import json

import pytest
import time_machine
from django.db import transaction
from kombu.exceptions import OperationalError

from api import tasks
from api.models import WebhookDelivery
from api.services import webhooks
from oceanis import delivery as outbox
from tests.api.test_webhooks import Receiver, subscribe
from tests.factories import TechnicianFactory, make_ticket
from tickets import services

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
Status = WebhookDelivery.Status


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def delivery_ids(receiver):
    return [headers["X-Oceanis-Delivery"] for headers, _body in receiver.requests]


@pytest.mark.parametrize("downtime", [dt.timedelta(minutes=30), dt.timedelta(hours=5)])
def test_every_webhook_is_delivered_when_the_worker_returns_after_the_queue_was_lost(
    acme, receiver, downtime
):
    subscribe(receiver.url)
    with time_machine.travel(T0, tick=False):
        # No on-commit callback runs here: no Celery message was ever published (queue lost).
        tickets = [make_ticket(client=acme) for _ in range(3)]
        tech = TechnicianFactory()
        services.ticket_take_in_charge(ticket=tickets[0], by=tech.user)
    assert receiver.requests == []
    assert WebhookDelivery.objects.filter(status=Status.PENDING).count() == 4

    with time_machine.travel(T0 + downtime, tick=False):
        assert tasks.webhooks_sweep.run() == {"sent": 4, "failed": 0}

    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.SENT}
    received = sorted(json.loads(body)["ticket"]["reference"] for _h, body in receiver.requests)
    assert received == sorted([t.reference for t in tickets] + [tickets[0].reference])
    assert len(set(delivery_ids(receiver))) == 4  # one id per delivery


def test_a_retry_carries_the_same_delivery_id_and_body(acme, receiver):
    subscribe(receiver.url, events=["ticket.created"])
    with time_machine.travel(T0, tick=False):
        make_ticket(client=acme)
        receiver.status = 503
        assert webhooks.sweep() == {"sent": 0, "failed": 1}
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_error) == (Status.PENDING, 1, "HTTP 503")

    receiver.status = 200
    with time_machine.travel(row.next_attempt_at, tick=False):
        assert webhooks.sweep() == {"sent": 1, "failed": 0}
    (first_headers, first_body), (second_headers, second_body) = receiver.requests
    assert delivery_ids(receiver) == [str(row.delivery_key)] * 2
    assert first_body == second_body
    row.refresh_from_db()
    assert (row.status, row.attempts, row.response_status) == (Status.SENT, 2, 200)


def test_a_delivery_whose_lease_expired_mid_attempt_is_sent_again(acme, receiver, settings):
    settings.WEBHOOK_LEASE_SECONDS = 300
    subscribe(receiver.url, events=["ticket.created"])
    with time_machine.travel(T0, tick=False):
        make_ticket(client=acme)
        # A worker claims the delivery, then dies before recording anything.
        [stale] = outbox.claim_due(WebhookDelivery, policy=webhooks.policy(), now=T0)

    with time_machine.travel(T0 + dt.timedelta(minutes=4), tick=False):
        assert webhooks.sweep() == {"sent": 0, "failed": 0}  # its lease still runs
    assert receiver.requests == []

    with time_machine.travel(T0 + dt.timedelta(minutes=5, seconds=1), tick=False):
        assert webhooks.sweep() == {"sent": 1, "failed": 0}
    assert delivery_ids(receiver) == [str(stale.delivery_key)]
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    # The dead worker, were it to wake up, can no longer overwrite the outcome.
    assert outbox.mark_sent(stale, now=T0 + dt.timedelta(minutes=6)) is False


def test_a_failed_delivery_is_a_dead_letter_after_the_last_attempt(acme, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.status = 500
    subscribe(receiver.url, events=["ticket.created"])
    now = T0
    with time_machine.travel(now, tick=False):
        make_ticket(client=acme)
    for _ in range(3):
        with time_machine.travel(now, tick=False):
            webhooks.sweep()
        now += dt.timedelta(hours=7)  # past any backoff
    row = WebhookDelivery.objects.get()
    assert (row.status, row.attempts, row.last_error) == (Status.FAILED, 2, "HTTP 500")
    assert len(receiver.requests) == 2


@pytest.mark.django_db(transaction=True)
def test_the_rows_commit_with_the_event_even_when_the_broker_is_down(acme, receiver, monkeypatch):
    from tickets import tasks as ticket_tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(ticket_tasks.announce_event, "delay", broker_down)
    subscribe(receiver.url, events=["ticket.created"])
    ticket = make_ticket(client=acme)  # committed; announcing it after commit fails
    assert WebhookDelivery.objects.get(event__ticket=ticket).status == Status.PENDING

    with pytest.raises(RuntimeError), transaction.atomic():
        make_ticket(client=acme)
        raise RuntimeError("rolled back")
    assert WebhookDelivery.objects.count() == 1  # the rolled-back event left no row behind

    assert webhooks.sweep() == {"sent": 1, "failed": 0}
    assert json.loads(receiver.requests[0][1])["ticket"]["reference"] == ticket.reference


def test_the_delivery_log_shows_the_id_receivers_de_duplicate_on(staff_api, acme, receiver):
    hook = subscribe(receiver.url, events=["ticket.created"])
    make_ticket(client=acme)
    webhooks.sweep()
    [logged] = staff_api.get(f"/api/v1/webhooks/{hook.pk}/deliveries/").json()["results"]
    assert logged["delivery_key"] == delivery_ids(receiver)[0]
    assert logged["status"] == "sent" and logged["delivered_at"] is not None
