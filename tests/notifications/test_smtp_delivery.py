"""Delivery to a real SMTP server on loopback (aiosmtpd), including an outage and recovery."""

from __future__ import annotations

import datetime as dt
import email
from email import policy
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import tasks
from notifications.models import Notification
from tests.factories import make_ticket
from tickets import services

PARIS = ZoneInfo("Europe/Paris")
T0 = dt.datetime(2026, 10, 20, 10, 0, tzinfo=PARIS)
EVERYONE = ["direction@acme.test", "dsi@acme.test", "marie.dupont@acme.test"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _received(server):
    return [
        (envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default))
        for envelope in server.envelopes
    ]


def test_mails_reach_a_real_smtp_server_with_their_thread_headers(
    contact, tech, smtp_server, committed
):
    with committed():
        ticket = make_ticket(client=contact.client, contact=contact, title="Messagerie coupée")
    received = _received(smtp_server)
    assert sorted(rcpt[0] for rcpt, _ in received) == EVERYONE
    message = next(msg for rcpt, msg in received if rcpt == ["marie.dupont@acme.test"])
    # Django folds the encoded subject right after "Subject:"; readers unfold it.
    subject = message["Subject"].strip()
    assert subject == f"[{ticket.reference}] Demande enregistrée : Messagerie coupée"
    assert message["In-Reply-To"] is None and message["References"] is None  # the thread root
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert "Messagerie coupée" in message.get_body(("plain",)).get_content()
    row = Notification.objects.get(recipient="marie.dupont@acme.test")
    root = message["Message-ID"].strip()
    assert row.message_id == root
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    taken = [msg for rcpt, msg in _received(smtp_server)[3:] if rcpt == ["marie.dupont@acme.test"]]
    assert [(m["In-Reply-To"].strip(), m["References"].strip()) for m in taken] == [(root, root)]


def test_an_smtp_outage_delays_mail_and_recovery_delivers_each_exactly_once(
    contact, smtp_server, committed
):
    smtp_server.stop()
    with time_machine.travel(T0, tick=False), committed():
        ticket = make_ticket(client=contact.client, contact=contact)
    rows = Notification.objects.filter(ticket=ticket)
    assert {(r.status, r.attempts) for r in rows} == {("pending", 1)}
    assert all("Connection refused" in r.last_error for r in rows)
    # Backoffs are jittered by ±20 %: 1 min is due by 72 s, 2 more min not before 72 + 96 s.
    with time_machine.travel(T0 + dt.timedelta(seconds=72), tick=False):
        tasks.sweep_outbox()  # still down: another attempt, a longer wait
    assert {(r.status, r.attempts) for r in rows.all()} == {("pending", 2)}
    assert smtp_server.envelopes == []

    smtp_server.start()
    with time_machine.travel(T0 + dt.timedelta(seconds=165), tick=False):
        tasks.sweep_outbox()
    assert smtp_server.envelopes == []  # the backoff (2 min after the second try) is respected
    with time_machine.travel(T0 + dt.timedelta(seconds=72 + 144), tick=False):
        tasks.sweep_outbox()
        tasks.sweep_outbox()
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        tasks.sweep_outbox()
    assert sorted(rcpt[0] for rcpt, _ in _received(smtp_server)) == EVERYONE
    assert {r.status for r in rows.all()} == {"sent"}
