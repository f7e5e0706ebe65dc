"""Regression (issue 20, item 1): Redis restarted while the worker holds a scheduled task.

Celery 5.7.0 exited there ("Unrecoverable error: AttributeError('NoneType' object has no
attribute 'hostname')" from kombu's restore_unacked, raised by the second close of the broken
connection that 5.7.0 added); the pinned 5.6.3 reconnects. Every mail is scheduled ahead (the
grouping window), so a busy worker nearly always holds such a message. No sweeper runs here: the
task itself must come back, through the broker's visibility timeout.
"""

from __future__ import annotations

import pytest

from notifications.models import Notification
from tests.factories import ContactFactory, ContractFactory, make_ticket

from .support import wait_until

pytestmark = [pytest.mark.outage, pytest.mark.django_db(transaction=True)]


def test_a_worker_holding_a_scheduled_task_survives_a_redis_restart_and_runs_it(
    settings, broker, redis_server, smtp_sink, workers
):
    settings.NOTIFICATIONS_GROUPING_SECONDS = 8
    worker = workers(
        {
            "EMAIL_URL": smtp_sink.url,
            "NOTIFICATIONS_GROUPING_SECONDS": "8",  # the mails leave 8 s after the event
            "CELERY_BROKER_VISIBILITY_TIMEOUT_SECONDS": "15",
            "CELERY_BROKER_RESTORE_INTERVAL_SECONDS": "1",
        },
        pool="prefork",  # as docker-compose.yml and the systemd unit run it
    )
    contract = ContractFactory(notification_recipients="dsi@acme.test")
    contact = ContactFactory(client=contract.client, email="marie@acme.test")
    ticket = make_ticket(client=contract.client, contact=contact, title="Pendant la coupure")
    wait_until(
        lambda: "notifications.tasks.deliver[" in worker.log(),
        timeout=30,
        what="the worker to hold the scheduled delivery",
    )
    assert not Notification.objects.filter(ticket=ticket, status="sent").exists()

    redis_server.restart(down_for=2)

    wait_until(
        lambda: (
            Notification.objects.filter(ticket=ticket).exclude(status="sent").count() == 0
            or not worker.alive()
        ),
        timeout=45,
        what="the scheduled mails after the restart",
    )
    log = worker.log()
    assert "Connection to broker lost" in log  # the restart did hit the worker
    assert worker.alive(), worker.tail()
    assert "Unrecoverable error" not in log
    rows = Notification.objects.filter(ticket=ticket)
    assert sorted(rows.values_list("recipient", flat=True)) == ["dsi@acme.test", "marie@acme.test"]
    assert set(rows.values_list("status", flat=True)) == {"sent"}
    assert sorted(to for _id, tos, _m in smtp_sink.messages for to in tos) == [
        "dsi@acme.test",
        "marie@acme.test",
    ]
