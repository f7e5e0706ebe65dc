"""The on-call iCalendar feed read back by a parser, and its tokens stored only as hashes."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from oceanis.tokens import hash_token
from oncall.feeds import feed_rotate, feed_text
from oncall.models import CalendarFeed, Override
from tests.oncall.conftest import paris

HOSTILE = 'Grève; "train", retour\r\nlundi\rmardi\nC:\\Nouveau\\new\x07fin'
# What a calendar app reads back: line breaks normalised to \n, the control character dropped.
READ_BACK = 'Grève; "train", retour\nlundi\nmardi\nC:\\Nouveau\\newfin'


def _events(text: str) -> list:
    return icalendar.Calendar.from_ical(text).walk("VEVENT")


@pytest.mark.django_db
def test_the_feed_parses_back_with_utc_times_uids_and_hostile_text_intact(rotation):
    rot, (alice, bruno, _chloe) = rotation
    Override.objects.create(
        rotation=rot,
        technician=alice,
        starts_at=paris(2026, 10, 10, 0, 0),
        ends_at=paris(2026, 10, 11, 0, 0),
        reason=HOSTILE,
    )
    now = paris(2026, 10, 2, 12, 0)
    text = feed_text(alice, now=now)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    events = _events(text)
    first = events[0]
    assert first["dtstart"].dt == dt.datetime(2026, 10, 1, 6, 30, tzinfo=dt.UTC)  # 08:30 CEST
    assert first["dtend"].dt == dt.datetime(2026, 10, 8, 6, 30, tzinfo=dt.UTC)
    assert str(first["uid"]) == f"oncall-0-primary-20261001T063000Z-{alice.pk}@oceanis.fr"
    assert str(first["summary"]) == "Astreinte Oceanis"
    assert str(first["transp"]) == "OPAQUE"
    assert first["dtstamp"].dt == now
    replaced = [e for e in events if "Remplacement" in str(e.get("description", ""))]
    assert replaced and f"Remplacement : {READ_BACK}." in str(replaced[0]["description"])
    assert "Astreinte Oceanis (suppléant)" in {str(e["summary"]) for e in events}


@pytest.mark.django_db
def test_the_token_is_stored_hashed_and_the_address_works_until_rotated(client, rotation):
    _rot, (alice, *_others) = rotation
    feed, token = feed_rotate(alice)
    assert feed.token_hash == hash_token(token) and token not in feed.token_hash
    url = reverse("oncall:ical_feed", args=[token])
    with time_machine.travel(paris(2026, 10, 2, 12, 0), tick=False):
        assert client.get(url).status_code == 200
    feed_rotate(alice)
    assert client.get(url).status_code == 404
    assert CalendarFeed.objects.filter(technician=alice, revoked_at__isnull=True).count() == 1


BEFORE = [("oncall", "0002_page_trigger_desk_closed")]
AFTER = [("oncall", "0003_calendarfeed_token_hash")]


@pytest.fixture
def before_hashing(transactional_db):
    """The database with clear feed tokens; migrated forward to the latest state afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_migration_hashes_clear_tokens_so_subscribed_addresses_keep_working(
    before_hashing, client
):
    from tests.factories import TechnicianFactory

    OldFeed = before_hashing.get_model("oncall", "CalendarFeed")
    technician = TechnicianFactory()
    OldFeed.objects.create(technician_id=technician.pk, token="subscribed-before-hashing")
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    NewFeed = executor.loader.project_state(AFTER).apps.get_model("oncall", "CalendarFeed")
    stored = NewFeed.objects.get(technician_id=technician.pk)
    assert stored.token_hash == hash_token("subscribed-before-hashing")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    url = reverse("oncall:ical_feed", args=["subscribed-before-hashing"])
    assert client.get(url).status_code == 200
