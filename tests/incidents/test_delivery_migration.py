"""Incident mails logged before the delivery primitive keep their data (incidents 0003-0004)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import ClientFactory

BEFORE = [("incidents", "0002_incident_event")]
AFTER = [("incidents", "0004_incident_delivery_key_required")]
PUBLISHED = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def before_primitive(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_existing_mails_keep_their_state_and_get_a_key_and_their_publication_as_creation(
    before_primitive,
):
    apps = before_primitive
    client = ClientFactory()
    Incident = apps.get_model("incidents", "MajorIncident")
    Message = apps.get_model("incidents", "IncidentMessage")
    Delivery = apps.get_model("incidents", "IncidentMessageDelivery")
    incident = Incident.objects.create(title="Panne")
    message = Message.objects.create(
        incident=incident, kind="initial", subject="S", body="B", published_at=PUBLISHED
    )
    common = {"message": message, "client_id": client.pk}
    Delivery.objects.create(recipient="a@x.test", status="sent", attempts=1, **common)
    Delivery.objects.create(
        recipient="b@x.test", status="failed", attempts=6, last_error="refused", **common
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    New = executor.loader.project_state(AFTER).apps.get_model(
        "incidents", "IncidentMessageDelivery"
    )
    rows = {
        r.recipient: (r.status, r.attempts, r.last_error, r.created_at) for r in New.objects.all()
    }
    assert rows == {
        "a@x.test": ("sent", 1, "", PUBLISHED),
        "b@x.test": ("failed", 6, "refused", PUBLISHED),
    }
    keys = set(New.objects.values_list("delivery_key", flat=True))
    assert len(keys) == 2 and None not in keys
