"""The page log written before the delivery primitive reads the same after it (oncall 0004-0005)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import ContractFactory, TechnicianFactory, make_ticket

BEFORE = [("oncall", "0003_calendarfeed_token_hash")]
AFTER = [("oncall", "0005_pageattempt_key_required")]
AT = dt.datetime(2026, 10, 3, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def before_primitive(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_outcome_tries_and_error_become_status_attempts_and_last_error(before_primitive):
    apps = before_primitive
    ticket = make_ticket(client=ContractFactory().client)
    tech = TechnicianFactory()
    Page = apps.get_model("oncall", "Page")
    Attempt = apps.get_model("oncall", "PageAttempt")
    page = Page.objects.create(
        ticket_id=ticket.pk,
        trigger="created",
        reason="contract_24x7",
        target_id=tech.pk,
        raised_at=AT,
        intervention_deadline=AT + dt.timedelta(hours=1),
    )
    common = {"page": page, "at": AT, "step": 0, "level": 0, "technician_id": tech.pk}
    Attempt.objects.create(channel="email", recipient="a@x.test", outcome="sent", tries=1, **common)
    Attempt.objects.create(
        channel="sms", recipient="+33", outcome="failed", tries=3, error="HTTP 500", **common
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    New = executor.loader.project_state(AFTER).apps.get_model("oncall", "PageAttempt")
    rows = {
        r.channel: (r.status, r.attempts, r.last_error, r.sent_at, r.created_at)
        for r in New.objects.all()
    }
    assert rows == {
        "email": ("sent", 1, "", AT, AT),
        "sms": ("failed", 3, "HTTP 500", None, AT),
    }
    keys = set(New.objects.values_list("delivery_key", flat=True))
    assert len(keys) == 2 and None not in keys
