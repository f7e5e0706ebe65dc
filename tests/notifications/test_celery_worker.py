"""A notification travels through the real broker (Redis) and a real Celery worker.

CI sets CELERY_TEST_BROKER_URL=redis://127.0.0.1:6379/15; without it the test is skipped (the
other tests run Celery eagerly, which proves the logic but not the wiring to a broker)."""

from __future__ import annotations

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from notifications.models import Notification
from oceanis.celery import app as celery_app
from tests.factories import make_ticket

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")


@pytest.fixture
def real_broker(settings):
    """The app switched to the test broker, not eager, with a purged queue; restored after.

    Through Django's settings, which the app reads live: with Celery 5.6 an assignment to
    ``conf.broker_url`` is shadowed by the CELERY_-prefixed setting (the test ran eagerly)."""
    settings.CELERY_BROKER_URL = BROKER
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _forget_connections()  # producers created earlier point at the previous broker
    assert (celery_app.conf.broker_url, celery_app.conf.task_always_eager) == (BROKER, False)
    celery_app.control.purge()
    yield celery_app
    _forget_connections()


def _forget_connections():
    # Drop the app's references only: the pools themselves are kombu's shared ones, which
    # other code (even eager apply_async) still acquires from, so they must not be closed.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.mark.skipif(
    not BROKER,
    reason="CELERY_TEST_BROKER_URL is not set: no real broker (CI sets redis://127.0.0.1:6379/15)",
)
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_creation_mail_through_redis(contact, real_broker):
    mail.outbox = []
    with start_worker(real_broker, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        # The commit publishes announce_event to Redis → the worker sends event_committed and
        # plans the rows in that task, publishing one deliver task per recipient → it sends.
        ticket = make_ticket(client=contact.client, contact=contact, title="Via Redis")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if Notification.objects.filter(ticket=ticket, status="sent").count() == 3:
                break
            time.sleep(0.2)
    rows = Notification.objects.filter(ticket=ticket)
    assert sorted(rows.values_list("status", flat=True)) == ["sent"] * 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "direction@acme.test",
        "dsi@acme.test",
        "marie.dupont@acme.test",
    ]
