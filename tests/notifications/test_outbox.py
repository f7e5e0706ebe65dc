"""The outbox: idempotent planning, exclusive claims, grouping, retries, at-least-once delivery
with a stable Message-ID, the sweeper."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.utils import timezone

from notifications import tasks
from notifications.models import EventDispatch, Notification
from notifications.services import outbox
from tests.factories import make_ticket
from tickets import services
from tickets.models import EventKind

PARIS = ZoneInfo("Europe/Paris")
T0 = dt.datetime(2026, 10, 20, 10, 0, tzinfo=PARIS)  # a Tuesday morning

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _created_event(ticket):
    return ticket.events.get(kind=EventKind.CREATED)


def _failing_send(exc):
    def send(self, fail_silently=False):
        raise exc

    return send


def test_planning_an_event_twice_creates_its_rows_once(contact):
    ticket = make_ticket(client=contact.client, contact=contact)
    event = _created_event(ticket)
    first = outbox.plan_event(event.pk)
    assert first is not None and len(first.pairs) == 3
    assert outbox.plan_event(event.pk) is None
    assert Notification.objects.filter(event=event).count() == 3
    assert EventDispatch.objects.get(event=event).rows == 3


def test_only_one_of_two_claims_on_the_same_rows_wins(contact):
    ticket = make_ticket(client=contact.client, contact=contact)
    outbox.plan_event(_created_event(ticket).pk)
    first = outbox.claim(ticket.pk, "marie.dupont@acme.test")
    second = outbox.claim(ticket.pk, "marie.dupont@acme.test")
    assert [row.status for row in first] == ["sending"]
    assert second == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_pair_at_once_send_one_mail(contact, monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's shared in-memory test database serialises threads with lock errors")
    monkeypatch.setattr(tasks, "plan_and_schedule", lambda event_id: None)  # planned by hand
    ticket = make_ticket(client=contact.client, contact=contact)
    outbox.plan_event(_created_event(ticket).pk)
    mail.outbox.clear()
    barrier = threading.Barrier(4)
    results = []

    def worker():
        barrier.wait()
        try:
            results.append(outbox.deliver(ticket.pk, "marie.dupont@acme.test").sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1]
    assert [m.to for m in mail.outbox] == [["marie.dupont@acme.test"]]
    assert Notification.objects.get(recipient="marie.dupont@acme.test").status == "sent"


def test_events_of_a_ticket_within_a_minute_leave_as_one_mail(
    contact, tech, settings, mailoutbox, committed
):
    settings.NOTIFICATIONS_GROUPING_SECONDS = 60
    with time_machine.travel(T0, tick=False), committed():
        ticket = make_ticket(client=contact.client, contact=contact, title="Serveur lent")
    with time_machine.travel(T0 + dt.timedelta(seconds=40), tick=False):
        with committed():
            services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        tasks.sweep_outbox()
    assert mailoutbox == []  # nothing is due before the window of the first event ends
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        tasks.sweep_outbox()
    to_marie = [m for m in mailoutbox if m.to == ["marie.dupont@acme.test"]]
    assert len(to_marie) == 1
    subject = to_marie[0].subject
    assert subject == f"[{ticket.reference}] Mise à jour de votre demande : Serveur lent"
    body = to_marie[0].body
    assert body.index("Votre demande est enregistrée") < body.index("prise en charge")
    assert len(mailoutbox) == 3  # one per recipient
    rows = Notification.objects.filter(recipient="marie.dupont@acme.test")
    assert {row.message_id for row in rows} == {to_marie[0].extra_headers["Message-ID"]}
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        tasks.sweep_outbox()
    assert len(mailoutbox) == 3


def test_events_more_than_a_minute_apart_leave_as_separate_mails(
    contact, tech, settings, mailoutbox, committed
):
    settings.NOTIFICATIONS_GROUPING_SECONDS = 60
    with time_machine.travel(T0, tick=False), committed():
        ticket = make_ticket(client=contact.client, contact=contact)
    with time_machine.travel(T0 + dt.timedelta(seconds=61), tick=False):
        tasks.sweep_outbox()
    with time_machine.travel(T0 + dt.timedelta(seconds=150), tick=False):
        with committed():
            services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        tasks.sweep_outbox()
    with time_machine.travel(T0 + dt.timedelta(seconds=211), tick=False):
        tasks.sweep_outbox()
    subjects = [m.subject for m in mailoutbox if m.to == ["marie.dupont@acme.test"]]
    assert subjects == [
        f"[{ticket.reference}] Demande enregistrée : Imprimante bloquée",
        f"[{ticket.reference}] Demande prise en charge : Imprimante bloquée",
    ]


def test_a_temporary_failure_keeps_the_row_pending_with_a_growing_backoff(
    contact, monkeypatch, committed
):
    monkeypatch.setattr(
        EmailMultiAlternatives, "send", _failing_send(smtplib.SMTPServerDisconnected("gone"))
    )
    # the failure must not reach the person who created the ticket
    with time_machine.travel(T0, tick=False), committed():
        ticket = make_ticket(client=contact.client, contact=contact)
    row = Notification.objects.get(ticket=ticket, recipient="marie.dupont@acme.test")
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error == "SMTPServerDisconnected: gone"
    # 1 min, then 2 min, each with ±20 % jitter
    first_due = row.next_attempt_at
    assert T0 + dt.timedelta(seconds=48) <= first_due <= T0 + dt.timedelta(seconds=72)
    with time_machine.travel(first_due, tick=False):
        tasks.sweep_outbox()
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 2)
    second_wait = row.next_attempt_at - first_due
    assert dt.timedelta(seconds=96) <= second_wait <= dt.timedelta(seconds=144)


def test_backoff_doubles_up_to_an_hour_with_jitter():
    for attempts, minutes in enumerate([1, 2, 4, 8, 16, 32, 60, 60], start=1):
        delay = outbox.backoff(attempts).total_seconds() / 60
        assert minutes * 0.8 <= delay <= minutes * 1.2, (attempts, delay)


def test_a_permanent_refusal_fails_the_row_at_once(contact, monkeypatch, committed):
    refused = smtplib.SMTPRecipientsRefused({"marie.dupont@acme.test": (550, b"No such user")})
    monkeypatch.setattr(EmailMultiAlternatives, "send", _failing_send(refused))
    with committed():
        ticket = make_ticket(client=contact.client, contact=contact)
    row = Notification.objects.get(ticket=ticket, recipient="marie.dupont@acme.test")
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in row.last_error


def test_after_the_last_attempt_the_row_is_failed(contact, monkeypatch, settings, committed):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    monkeypatch.setattr(EmailMultiAlternatives, "send", _failing_send(ConnectionRefusedError()))
    with time_machine.travel(T0, tick=False), committed():
        ticket = make_ticket(client=contact.client, contact=contact)
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        tasks.sweep_outbox()
    row = Notification.objects.get(ticket=ticket, recipient="marie.dupont@acme.test")
    assert (row.status, row.attempts) == ("failed", 2)


class WorkerKilled(BaseException):
    """Stands for SIGKILL mid-send: nothing in the outbox gets to handle it."""


def test_a_mail_interrupted_mid_send_is_sent_again_after_the_lease_with_the_same_message_id(
    contact, monkeypatch, mailoutbox
):
    # the default lease: 15 min
    attempted = []

    def killed_while_sending(self, fail_silently=False):
        attempted.append(self.extra_headers["Message-ID"])
        raise WorkerKilled

    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(client=contact.client, contact=contact)
        outbox.plan_event(_created_event(ticket).pk)
        monkeypatch.setattr(EmailMultiAlternatives, "send", killed_while_sending)
        with pytest.raises(WorkerKilled):
            outbox.deliver(ticket.pk, "marie.dupont@acme.test")
    monkeypatch.undo()
    row = Notification.objects.get(ticket=ticket, recipient="marie.dupont@acme.test")
    assert (row.status, row.message_id) == ("sending", attempted[0])
    with time_machine.travel(T0 + dt.timedelta(minutes=14), tick=False):
        tasks.sweep_outbox()  # the lease still runs: the worker might be alive
    assert "marie.dupont@acme.test" not in [m.to[0] for m in mailoutbox]
    with time_machine.travel(T0 + dt.timedelta(minutes=15), tick=False):
        assert tasks.sweep_outbox()["stuck"] == 1
    to_marie = [m for m in mailoutbox if m.to == ["marie.dupont@acme.test"]]
    assert [m.extra_headers["Message-ID"] for m in to_marie] == attempted
    row.refresh_from_db()
    assert (row.status, row.attempts, row.message_id) == ("sent", 2, attempted[0])
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        tasks.sweep_outbox()
    assert len([m for m in mailoutbox if m.to == ["marie.dupont@acme.test"]]) == 1


def test_a_mail_retried_after_a_failure_keeps_its_message_id(contact, monkeypatch, mailoutbox):
    attempted = []

    def lost_answer(self, fail_silently=False):
        attempted.append(self.extra_headers["Message-ID"])
        raise smtplib.SMTPServerDisconnected("connection lost after DATA")

    monkeypatch.setattr(EmailMultiAlternatives, "send", lost_answer)
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(client=contact.client, contact=contact)
        outbox.plan_event(_created_event(ticket).pk)
        outbox.deliver(ticket.pk, "marie.dupont@acme.test")
        outbox.deliver(ticket.pk, "marie.dupont@acme.test")  # not due again yet: nothing
    assert len(attempted) == 1
    monkeypatch.undo()
    with time_machine.travel(T0 + dt.timedelta(minutes=2), tick=False):
        tasks.sweep_outbox()
    (sent,) = [m for m in mailoutbox if m.to == ["marie.dupont@acme.test"]]
    assert sent.extra_headers["Message-ID"] == attempted[0]


def test_a_stale_worker_cannot_overwrite_the_outcome_of_the_one_that_took_over(contact):
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(client=contact.client, contact=contact)
        outbox.plan_event(_created_event(ticket).pk)
        stale = outbox.claim(ticket.pk, "marie.dupont@acme.test")
    with time_machine.travel(T0 + dt.timedelta(minutes=16), tick=False):
        current = outbox.claim(ticket.pk, "marie.dupont@acme.test")
        assert [row.pk for row in current] == [row.pk for row in stale]
        outbox._failed(stale, ConnectionRefusedError(), timezone.now(), outbox.Outcome())
    row = Notification.objects.get(pk=stale[0].pk)
    assert (row.status, row.claim) == ("sending", current[0].claim)


def test_a_lost_broker_message_is_recovered_by_the_sweeper(
    contact, monkeypatch, mailoutbox, committed
):
    from tickets import tasks as ticket_tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    # The planning runs inside the event's one announce_event message: that is what is lost.
    monkeypatch.setattr(ticket_tasks.announce_event, "delay", broker_down)
    with committed():
        ticket = make_ticket(client=contact.client, contact=contact)  # no error for the user
    assert ticket.pk and Notification.objects.count() == 0 and mailoutbox == []
    monkeypatch.undo()
    assert tasks.sweep_outbox() == {"planned": 1, "stuck": 0, "due": 3}
    assert sorted(m.to[0] for m in mailoutbox) == [
        "direction@acme.test",
        "dsi@acme.test",
        "marie.dupont@acme.test",
    ]
    tasks.sweep_outbox()
    assert len(mailoutbox) == 3


def test_a_delivery_that_cannot_be_queued_is_sent_by_the_sweeper(
    contact, monkeypatch, mailoutbox, committed
):
    monkeypatch.setattr(tasks.deliver, "delay", lambda *a: (_ for _ in ()).throw(OSError("down")))
    with committed():
        make_ticket(client=contact.client, contact=contact)
    assert Notification.objects.filter(status="pending").count() == 3 and mailoutbox == []
    monkeypatch.undo()
    tasks.sweep_outbox()
    assert len(mailoutbox) == 3


def test_old_events_are_history_and_never_mailed(contact, mailoutbox, committed):
    with committed():
        two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        ticket = make_ticket(client=contact.client, contact=contact, created_at=two_days_ago)
    assert mailoutbox == []
    assert EventDispatch.objects.get(event__ticket=ticket).note == "stale"
    tasks.sweep_outbox()
    assert mailoutbox == []


def test_retry_now_sends_a_failed_row_again(contact, monkeypatch, mailoutbox, committed):
    monkeypatch.setattr(EmailMultiAlternatives, "send", _failing_send(ConnectionRefusedError()))
    with committed():
        ticket = make_ticket(client=contact.client, contact=contact)
    Notification.objects.update(status="failed")
    monkeypatch.undo()
    pairs = outbox.retry_now(Notification.objects.filter(recipient="dsi@acme.test"))
    assert pairs == [(ticket.pk, "dsi@acme.test")]
    tasks.schedule(pairs)
    assert [m.to for m in mailoutbox] == [["dsi@acme.test"]]
    row = Notification.objects.get(recipient="dsi@acme.test")
    assert (row.status, row.attempts) == ("sent", 1)  # a fresh budget, one attempt used


def test_finished_mails_are_deleted_after_the_retention_and_waiting_ones_kept(contact):
    with time_machine.travel(T0, tick=False):
        ticket = make_ticket(client=contact.client, contact=contact)
        outbox.plan_event(_created_event(ticket).pk)
    rows = Notification.objects.order_by("recipient")
    Notification.objects.filter(pk=rows[0].pk).update(status="sent")
    Notification.objects.filter(pk=rows[1].pk).update(status="failed")
    with time_machine.travel(T0 + dt.timedelta(days=364), tick=False):
        assert tasks.purge_outbox() == 0
    with time_machine.travel(T0 + dt.timedelta(days=366), tick=False):
        assert tasks.purge_outbox() == 2
    assert list(Notification.objects.values_list("status", flat=True)) == ["pending"]


def test_planning_an_event_costs_five_statements_and_one_transaction(
    contact, django_assert_num_queries
):
    # The event, its watchers, its recipients' languages, then the dispatch mark and the rows
    # in one transaction: the mark's primary key is the once-only guard (no get_or_create, no
    # UPDATE of the mark afterwards).
    ticket = make_ticket(client=contact.client, contact=contact)
    event = _created_event(ticket)
    with django_assert_num_queries(7):  # + SAVEPOINT / RELEASE: the test's own transaction
        planned = outbox.plan_event(event.pk)
    assert len(planned.pairs) == 3
    assert EventDispatch.objects.get(event=event).rows == 3


def test_delivering_a_mail_costs_a_fixed_number_of_statements(
    contact, mailoutbox, django_assert_num_queries
):
    ticket = make_ticket(client=contact.client, contact=contact)
    outbox.plan_event(_created_event(ticket).pk)
    # Is a row due, claim (lock, update), read the claimed rows, store the Message-ID with its
    # KnownMessageId, the thread's root, mark sent.
    with django_assert_num_queries(12):
        assert outbox.deliver(ticket.pk, "marie.dupont@acme.test").sent == 1
    assert len(mailoutbox) == 1
