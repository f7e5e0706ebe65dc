"""The outage suite (issue 20, "Done when"): real Redis, real Celery worker processes, SMTP and
HTTP sinks, and the faults an operator meets. Whatever breaks, every mail, webhook and on-call
message is delivered, and receivers can drop copies by their stable id (Message-ID,
X-Oceanis-Delivery, Idempotency-Key).

The work: critical tickets of a 24x7 client created at 03:00 on a Saturday, each giving mails
(contact and the contract's recipients), a webhook, and a page (mail, SMS and voice call to the
technician on call). Durations are shortened by settings (grouping window, leases, the broker's
visibility timeout) and by moving the test's and the workers' shared clock.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings

from api.models import WebhookDelivery, WebhookSubscription
from incidents.delivery import message_id as incident_message_id
from incidents.models import IncidentMessageDelivery
from notices.models import NoticeMail
from notifications.models import Notification
from oceanis import delivery
from oceanis.delivery import MESSAGE_ID_DEFAULT_DOMAIN
from oncall.models import Page, PageAttempt, Rotation
from oncall.services import rotation_set_members
from sla.policy import HoursPlan
from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, make_ticket

from .support import wait_until

pytestmark = [pytest.mark.outage, pytest.mark.django_db(transaction=True)]

SATURDAY_3AM = dt.datetime(2026, 10, 3, 3, 0, tzinfo=ZoneInfo("Europe/Paris"))
TICKETS = 4
SENT = "sent"

SHORTENED = {
    "NOTIFICATIONS_GROUPING_SECONDS": 3,  # production: 60 s, so a worker nearly always holds one
    "NOTIFICATIONS_LEASE_SECONDS": 10,
    "WEBHOOK_LEASE_SECONDS": 10,
    "ONCALL_PAGE_LEASE_SECONDS": 10,
    "INCIDENT_MAIL_LEASE_SECONDS": 10,
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "CELERY_BROKER_VISIBILITY_TIMEOUT_SECONDS": 20,
    "CELERY_BROKER_RESTORE_INTERVAL_SECONDS": 1,
}


@pytest.fixture
def scene(settings, broker, smtp_sink, http_sink, clock_at, workers):
    """People, a 24x7 client, a webhook subscription, and how to start a worker for them."""
    clock = clock_at(SATURDAY_3AM)  # first: contracts and rotation start before "now"
    for name, value in SHORTENED.items():
        setattr(settings, name, value)
    gateways = {
        "ONCALL_SMS_WEBHOOK_URL": f"{http_sink.base_url}/sms",
        "ONCALL_VOICE_WEBHOOK_URL": f"{http_sink.base_url}/voice",
    }
    for name, value in gateways.items():
        setattr(settings, name, value)
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    env = {
        **{name: str(value) for name, value in SHORTENED.items()},
        **gateways,
        "EMAIL_URL": smtp_sink.url,
        "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
    }

    technicians = [
        TechnicianFactory(user__username=name, phone=f"+3361234567{i}")
        for i, name in enumerate(("alice", "bruno", "chloe"))
    ]
    boss = TechnicianFactory(user__username="boss", phone="+33612345679")
    rotation = Rotation.objects.create(
        name="Astreinte", start_date=dt.date(2026, 10, 1), escalation_contact=boss
    )
    rotation_set_members(rotation=rotation, technicians=technicians)
    contract = ContractFactory(
        hours_plan=HoursPlan.ON_CALL, notification_recipients="dsi@client.test"
    )
    contact = ContactFactory(client=contract.client, email="marie@client.test")
    WebhookSubscription.objects.create(
        name="CRM", url=f"{http_sink.base_url}/hooks", secret="s3cret", events=["ticket.created"]
    )

    class Scene:
        def start_worker(self):
            return workers(env, clock=clock)

        def create_tickets(self, count=TICKETS):
            return [
                make_ticket(
                    client=contract.client, contact=contact, urgency="critical", title=f"Panne {i}"
                )
                for i in range(count)
            ]

    scene = Scene()
    scene.clock = clock
    return scene


def beat_tick(app) -> None:
    """What beat sends every minute: the sweepers (and the other every-minute jobs)."""
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["schedule"] == crontab(minute="*"):
            app.send_task(entry["task"])


def _rows():
    """The status of every delivery row of every outbox (mails, notice mails, webhooks, pages,
    incident mails: each registers itself with the delivery primitive)."""
    return [
        status
        for model, _policy in delivery.REGISTRY.values()
        for status in model.objects.values_list("status", flat=True)
    ]


def _not_sent() -> list[tuple[str, str, str]]:
    """What did not leave, to say which outbox in a failure."""
    return [
        (channel, row.status, row.last_error[:200])
        for channel, (model, _policy) in delivery.REGISTRY.items()
        for row in model.objects.exclude(status=SENT)
    ]


def everything_final() -> bool:
    """Every row of the work exists (mails are planned by a task, pages raised by one) and none
    waits any more."""
    planned = (
        Notification.objects.count() >= TICKETS * 2
        and WebhookDelivery.objects.count() >= TICKETS
        and Page.objects.count() >= TICKETS
        and not Page.objects.filter(attempts__isnull=True).exists()
    )
    return planned and all(status in (SENT, "failed", "skipped") for status in _rows())


def sweep_until_delivered(app, *, timeout: float = 60) -> None:
    """Beat ticks (every 2 s instead of every minute) until no row waits any more. The rows are
    looked at every 0.2 s between ticks: the test goes on as soon as the last one is final."""
    deadline = time.monotonic() + timeout
    next_tick = time.monotonic()
    while time.monotonic() < deadline and not everything_final():
        if time.monotonic() >= next_tick:
            beat_tick(app)
            next_tick = time.monotonic() + 2
        time.sleep(0.2)


def _strip(message_id: str | None) -> str:
    return (message_id or "").strip().strip("<>")


def received(smtp_sink, http_sink) -> dict[str, Counter]:
    return {
        "mail": Counter(_strip(mid) for mid in smtp_sink.message_ids().elements()),
        "webhook": http_sink.header_counts("/hooks", "X-Oceanis-Delivery"),
        "sms": http_sink.header_counts("/sms", "Idempotency-Key"),
        "voice": http_sink.header_counts("/voice", "Idempotency-Key"),
    }


def expected_ids() -> dict[str, set[str]]:
    """The stable id each delivery row gives its receiver."""
    mails = {
        _strip(mid)
        for model in (Notification, NoticeMail)
        for mid in model.objects.values_list("message_id", flat=True)
    }
    mails |= {_strip(incident_message_id(row)) for row in IncidentMessageDelivery.objects.all()}
    pages = PageAttempt.objects.values_list("channel", "delivery_key")
    hooks = WebhookDelivery.objects.values_list("delivery_key", flat=True)
    domain = settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN or MESSAGE_ID_DEFAULT_DOMAIN
    return {
        "mail": mails | {f"page.{key}@{domain}" for channel, key in pages if channel == "email"},
        "webhook": {str(key) for key in hooks},
        "sms": {str(key) for channel, key in pages if channel == "sms"},
        "voice": {str(key) for channel, key in pages if channel == "voice"},
    }


def assert_everything_delivered(smtp_sink, http_sink, *, resent: frozenset = frozenset()) -> dict:
    """Every row sent, every receiver got every id, each exactly once but the ``resent`` ones."""
    assert Notification.objects.count() == TICKETS * 2  # the contact and the contract's address
    assert WebhookDelivery.objects.count() == TICKETS
    assert Page.objects.count() == TICKETS
    statuses = Counter(_rows())
    assert set(statuses) == {SENT}, _not_sent()
    got, wanted = received(smtp_sink, http_sink), expected_ids()
    for channel, ids in wanted.items():
        assert ids, channel
        # Nothing missing, and nothing under an id no row has (a re-send keeps its id).
        assert set(got[channel]) == ids, channel
        copies = {i: n for i, n in got[channel].items() if n > 1 and i not in resent}
        assert copies == {}, channel
    return got


def test_redis_restarted_under_a_busy_worker_loses_and_duplicates_nothing(
    scene, broker, redis_server, smtp_sink, http_sink
):
    worker = scene.start_worker()
    scene.create_tickets()
    wait_until(
        lambda: "notifications.tasks.deliver[" in worker.log(),
        timeout=30,
        what="the worker to hold a scheduled mail",
    )

    redis_server.restart(down_for=2)
    sweep_until_delivered(broker)

    assert "Connection to broker lost" in worker.log()
    assert worker.alive(), worker.tail()
    assert_everything_delivered(smtp_sink, http_sink)


def test_a_worker_killed_mid_send_leaves_no_mail_behind_and_resends_with_the_same_id(
    scene, broker, smtp_sink, http_sink
):
    smtp_sink.stall.set()  # the first mail is stored by the server, then never acknowledged
    worker = scene.start_worker()
    scene.create_tickets()
    wait_until(lambda: smtp_sink.messages, timeout=30, what="a mail in flight")
    interrupted = _strip(smtp_sink.messages[0][0])

    worker.kill()
    smtp_sink.stall.clear()
    scene.start_worker()
    sweep_until_delivered(broker)

    got = assert_everything_delivered(smtp_sink, http_sink, resent=frozenset({interrupted}))
    assert got["mail"][interrupted] >= 2  # out before the kill, sent again under its own id


def test_a_lost_queue_and_a_worker_down_30_minutes_only_delay_delivery(
    scene, broker, redis_server, smtp_sink, http_sink
):
    scene.create_tickets()  # no worker: the messages wait in Redis...
    redis_server.flush()  # ...and are lost
    scene.clock.advance(30 * 60)

    scene.start_worker()
    sweep_until_delivered(broker)

    assert_everything_delivered(smtp_sink, http_sink)


def test_an_smtp_outage_of_5_minutes_only_delays_the_mails(scene, broker, smtp_sink, http_sink):
    smtp_sink.down()
    scene.start_worker()
    scene.create_tickets()
    wait_until(
        lambda: (
            Notification.objects.filter(attempts__gte=1, status="pending").count() == TICKETS * 2
        ),
        timeout=30,
        what="every mail to fail once",
    )
    assert smtp_sink.messages == []

    scene.clock.advance(5 * 60)
    smtp_sink.up()
    sweep_until_delivered(broker)

    assert_everything_delivered(smtp_sink, http_sink)
