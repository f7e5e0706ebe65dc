"""Inbound never loses a message: processing interrupted at any point (worker killed, deploy,
OOM) is picked up again once its lease expires, by the sweeper and by "Retraiter", exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from notifications.inbound import lease, service
from notifications.inbound.service import inbound_process, inbound_receive, process_pending
from notifications.models import InboundMessage, KnownMessageId
from oceanis.celery import app
from tests.factories import make_ticket
from tests.support.database import database_url
from tickets.models import Ticket

from .corpus import raw

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "lease-test-inbound-token-0123456789"
LEASE = timedelta(seconds=600)

# The web worker of the HTTP endpoint, made to stop for good inside the processing transaction,
# right after the ticket was inserted (and before anything committed).
WORKER = """
import sys, time
import django
django.setup()
from notifications.inbound import lease, service

real_ticket_create = service.ticket_create

def ticket_create_then_hang(**kwargs):
    ticket = real_ticket_create(**kwargs)
    with open(sys.argv[2], "w") as flag:
        flag.write(ticket.reference)
    time.sleep(600)

service.ticket_create = ticket_create_then_hang
with open(sys.argv[1], "rb") as mail:
    service.inbound_receive(mail.read(), "http")
"""


class SharedDatabase:
    """The test database as another process sees it. PostgreSQL: the test database itself.
    SQLite (in memory): copied to a file for the child, and the file's committed state copied
    back afterwards."""

    def __init__(self, tmp_path: Path):
        self.file = tmp_path / "shared.sqlite3"
        self.vendor = connection.vendor

    def child_env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
        env.update(DJANGO_SETTINGS_MODULE="oceanis.settings", PYTHONPATH=str(ROOT))
        env["MEDIA_ROOT"] = str(django_settings.MEDIA_ROOT)
        if self.vendor == "postgresql":
            env["DATABASE_URL"] = database_url()
        else:
            env["DATABASE_URL"] = f"sqlite:///{self.file}"
        return env

    def to_child(self) -> None:
        if self.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(self.file)
            connection.connection.backup(target)
            target.close()

    def from_child(self) -> None:
        if self.vendor == "sqlite":
            source = sqlite3.connect(self.file)
            source.backup(connection.connection)
            source.close()


def _post(client, body: bytes):
    return client.post(
        reverse("notifications:inbound-mail"),
        data=body,
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_processing_loses_nothing_and_creates_one_ticket(
    acme, tmp_path, settings, client, mailoutbox
):
    settings.INBOUND_MAIL_TOKEN = TOKEN
    mail = raw("05-new-request-plain.eml")
    (tmp_path / "mail.eml").write_bytes(mail)
    flag = tmp_path / "inside-processing"
    shared = SharedDatabase(tmp_path)
    shared.to_child()
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "-c", WORKER, str(tmp_path / "mail.eml"), str(flag)],
        cwd=ROOT,
        env=shared.child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not flag.exists() or not flag.read_text():
            if worker.poll() is not None:
                pytest.fail(f"worker ended before the hook: {worker.stderr.read().decode()}")
            assert time.monotonic() < deadline, "the worker never reached the processing"
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        worker.stdout.close()
        worker.stderr.close()
    assert worker.returncode == -signal.SIGKILL
    shared.from_child()

    # The raw message was kept; the ticket the worker had inserted died with its transaction.
    message = InboundMessage.objects.get()
    assert message.status == "processing" and message.processing_started_at is not None
    assert Ticket.objects.count() == 0 and not KnownMessageId.objects.exists()

    # The MTA retries the same bytes: a duplicate, answered as such, and the message stays.
    retry = _post(client, mail)
    assert retry.status_code == 200 and retry.json()["duplicate"] is True
    # Within the lease the sweeper leaves it alone: its worker might still be alive.
    assert process_pending() == 0

    with time_machine.travel(message.processing_started_at + LEASE + timedelta(seconds=1)):
        assert process_pending() == 1
        message.refresh_from_db()
        assert message.status == "processed" and message.ticket is not None
        assert Ticket.objects.count() == 1
        assert message.ticket.contact == acme.marie
        acknowledgement = [m for m in mailoutbox if m.to == ["marie.dupont@acme-industrie.fr"]]
        assert len(acknowledgement) == 1

        # Later sweeps and retries change nothing.
        assert process_pending() == 0
        assert _post(client, mail).json() == {
            "id": message.pk,
            "message_id": message.message_id,
            "status": "processed",
            "ticket": message.ticket.reference,
            "duplicate": True,
        }
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_only_one_of_two_workers_claims_a_message(acme):
    message, _created = service.inbound_store(raw("05-new-request-plain.eml"), "http")
    assert lease.claim(message) is not None
    assert lease.claim(message) is None  # the second worker sees no row updated
    assert inbound_process(message).status == "processing"  # nor does a full attempt
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_a_worker_whose_lease_was_taken_over_commits_nothing(acme, monkeypatch):
    """A worker slower than the lease: another one claimed the message meanwhile, so the slow
    one's outcome is rolled back rather than creating a second ticket."""
    message, _created = service.inbound_store(raw("05-new-request-plain.eml"), "http")
    real_process = service._process
    taken_over_at = timezone.now() + LEASE + timedelta(seconds=5)

    def slow_process(msg):
        outcome = real_process(msg)
        InboundMessage.objects.filter(pk=msg.pk).update(processing_started_at=taken_over_at)
        return outcome

    monkeypatch.setattr(service, "_process", slow_process)
    result = inbound_process(message)
    # (The takeover is simulated inside the same transaction, so it rolls back too.)
    assert result.status == "processing" and result.ticket is None
    assert Ticket.objects.count() == 0 and not KnownMessageId.objects.exists()


@pytest.mark.django_db
def test_a_message_whose_ticket_committed_without_its_status_is_not_processed_twice(acme):
    """A crash under the code before leases could commit the ticket and lose the status
    update: the known Message-ID says it was done."""
    mail = raw("05-new-request-plain.eml")
    message, _created = service.inbound_store(mail, "http")
    ticket = make_ticket(client=acme, contact=acme.marie)
    KnownMessageId.objects.create(
        message_id=message.message_id, ticket=ticket, direction="in", audience="client"
    )
    InboundMessage.objects.filter(pk=message.pk).update(status="processing")  # no lease stamp
    assert process_pending() == 1
    message.refresh_from_db()
    assert message.status == "processed" and message.ticket == ticket
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_the_sweeper_takes_stored_and_expired_messages_but_leaves_triage_to_people(acme):
    stored, _ = service.inbound_store(raw("05-new-request-plain.eml"), "http")
    triaged, _ = inbound_receive(raw("14-unknown-sender.eml"), "http")
    assert triaged.status == "triage"
    assert process_pending() == 1
    stored.refresh_from_db()
    triaged.refresh_from_db()
    assert (stored.status, triaged.status) == ("processed", "triage")


@pytest.mark.django_db
def test_the_inbound_sweeper_runs_every_minute_from_beat(acme):
    entry = next(
        entry
        for entry in django_settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "notifications.tasks.sweep_inbound"
    )
    assert entry["schedule"].minute == set(range(60))
    message, _ = service.inbound_store(raw("05-new-request-plain.eml"), "http")
    InboundMessage.objects.filter(pk=message.pk).update(
        status="processing", processing_started_at=timezone.now() - LEASE - timedelta(seconds=1)
    )
    assert app.tasks["notifications.tasks.sweep_inbound"].delay().get() == 1
    message.refresh_from_db()
    assert message.status == "processed" and Ticket.objects.count() == 1


@pytest.mark.django_db
def test_retraiter_takes_an_interrupted_message_only_once_its_lease_expired(admin_client, acme):
    interrupted, _ = service.inbound_store(raw("05-new-request-plain.eml"), "http")
    running, _ = service.inbound_store(raw("06-gmail-forward-new-request.eml"), "http")
    now = timezone.now()
    InboundMessage.objects.filter(pk=interrupted.pk).update(
        status="processing", processing_started_at=now - LEASE - timedelta(seconds=1)
    )
    InboundMessage.objects.filter(pk=running.pk).update(
        status="processing", processing_started_at=now - timedelta(seconds=30)
    )
    response = admin_client.post(
        reverse("admin:notifications_inboundmessage_changelist"),
        {"action": "reprocess", "_selected_action": [interrupted.pk, running.pk]},
        follow=True,
    )
    content = response.content.decode()
    assert "1 message retraité." in content
    assert "1 message laissé tel quel" in content and "moins de 10 min" in content
    interrupted.refresh_from_db()
    running.refresh_from_db()
    assert interrupted.status == "processed" and running.status == "processing"
    assert Ticket.objects.count() == 1
