"""Deliveries logged before the delivery primitive keep their data (api migrations 0004-0005)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import ContractFactory, make_ticket

BEFORE = [("api", "0003_token_scopes")]
AFTER = [("api", "0005_webhook_delivery_key_required")]


@pytest.fixture
def before_primitive(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_deliveries_keep_their_log_and_get_a_key_each(before_primitive):
    apps = before_primitive
    acme = ContractFactory(client__code="acme").client
    events = [make_ticket(client=acme).events.get() for _ in range(2)]  # no subscription yet
    Subscription = apps.get_model("api", "WebhookSubscription")
    Delivery = apps.get_model("api", "WebhookDelivery")
    hook = Subscription.objects.create(
        name="CRM", url="https://crm.example.test/hook", secret="s", events=["ticket.created"]
    )
    delivered = timezone.now() - dt.timedelta(days=1)
    Delivery.objects.create(
        subscription=hook,
        event_id=events[0].pk,
        event_type="ticket.created",
        status="sent",
        attempts=2,
        delivered_at=delivered,
        response_status=200,
    )
    Delivery.objects.create(
        subscription=hook, event_id=events[1].pk, event_type="ticket.created", status="pending"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    New = executor.loader.project_state(AFTER).apps.get_model("api", "WebhookDelivery")
    sent, pending = New.objects.order_by("event_id")
    assert (sent.status, sent.attempts, sent.sent_at, sent.response_status) == (
        "sent",
        2,
        delivered,
        200,
    )
    assert (pending.status, pending.sent_at, pending.claim) == ("pending", None, "")
    assert sent.delivery_key and pending.delivery_key and sent.delivery_key != pending.delivery_key
