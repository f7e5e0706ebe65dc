"""The shared delivery primitive (oceanis/delivery.py), exercised on a real outbox model."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q

from notifications.models import Notification, NotificationKind
from oceanis import delivery
from oceanis.delivery import DeliveryPolicy, DeliveryStatus
from tests.factories import make_ticket
from tests.support import run_in_threads

pytestmark = pytest.mark.django_db

POLICY = DeliveryPolicy(
    channel="test",
    lease=dt.timedelta(minutes=5),
    backoff_base=dt.timedelta(minutes=1),
    backoff_cap=dt.timedelta(hours=1),
    max_attempts=3,
    retention=dt.timedelta(days=30),
)
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def rows(n=1, *, at=NOW, **fields):
    ticket = make_ticket()
    Notification.objects.all().delete()
    return [
        Notification.objects.create(
            ticket=ticket,
            digest_date=dt.date(2026, 3, 1),
            kind=NotificationKind.DIGEST,
            audience=Notification.Audience.CLIENT,
            recipient=f"r{i}@acme.test",
            next_attempt_at=at,
            created_at=at,
            **fields,
        )
        for i in range(n)
    ]


def claim(now=NOW, **kwargs):
    return delivery.claim_due(Notification, policy=POLICY, now=now, **kwargs)


def test_a_claim_takes_due_rows_and_holds_them_for_the_lease():
    first, later = rows(2)
    Notification.objects.filter(pk=later.pk).update(next_attempt_at=NOW + dt.timedelta(hours=1))
    claimed = claim()
    assert [row.pk for row in claimed] == [first.pk]
    row = claimed[0]
    stored = Notification.objects.get(pk=row.pk)
    assert (row.status, row.claim, row.attempts) == (DeliveryStatus.SENDING, stored.claim, 1)
    assert len(row.claim) == 32
    assert (row.claimed_at, row.next_attempt_at) == (NOW, NOW + POLICY.lease)


def test_a_second_claimer_gets_nothing_while_the_lease_runs():
    rows(3)
    claimed = claim()
    assert len(claimed) == 3
    assert claim(now=NOW + POLICY.lease - dt.timedelta(seconds=1)) == []


def test_an_expired_lease_makes_the_row_claimable_again_with_the_same_delivery_key():
    (row,) = rows()
    [first] = claim()
    again = claim(now=NOW + POLICY.lease)
    assert [r.pk for r in again] == [row.pk]
    assert again[0].claim != first.claim
    assert again[0].attempts == 2
    assert again[0].delivery_key == row.delivery_key


def test_a_stale_claimer_cannot_record_an_outcome_after_its_lease_was_taken_over():
    rows()
    (stale,) = claim()
    later = NOW + POLICY.lease + dt.timedelta(seconds=1)
    (current,) = claim(now=later)
    assert delivery.mark_sent(stale, now=later) is False
    assert delivery.mark_retry(stale, policy=POLICY, now=later, error="late") is None
    delivery.mark_skipped(stale, now=later, note="late")
    assert Notification.objects.get().status == DeliveryStatus.SENDING
    assert delivery.mark_sent(current, now=later, message_id="<x@test>") is True
    stored = Notification.objects.get()
    assert (stored.status, stored.sent_at, stored.message_id) == ("sent", later, "<x@test>")


def test_claim_honours_filters_ids_limit_and_the_due_by_horizon():
    a, b, c = rows(3)
    Notification.objects.filter(pk=c.pk).update(next_attempt_at=NOW + dt.timedelta(seconds=30))
    assert [r.pk for r in claim(filters=Q(recipient=a.recipient))] == [a.pk]
    assert claim(ids=[c.pk]) == []  # not due yet
    assert [r.pk for r in claim(ids=[c.pk], due_by=NOW + dt.timedelta(minutes=1))] == [c.pk]
    Notification.objects.update(status=DeliveryStatus.PENDING, next_attempt_at=NOW)
    assert len(claim(limit=2)) == 2


def test_a_queryset_claim_keeps_its_filters_and_returns_rows_with_their_relations(
    django_assert_num_queries,
):
    a, b = rows(2)
    queryset = Notification.objects.filter(recipient=b.recipient).select_related("ticket")
    claimed = delivery.claim_due(queryset, policy=POLICY, now=NOW)
    assert [row.pk for row in claimed] == [b.pk]
    with django_assert_num_queries(0):
        assert claimed[0].ticket.reference
    assert Notification.objects.get(pk=a.pk).status == DeliveryStatus.PENDING


def test_backoff_grows_exponentially_and_is_capped_with_jitter():
    for attempts, minutes in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (200, 60)]:
        delays = [delivery.backoff(POLICY, attempts) for _ in range(50)]
        nominal = dt.timedelta(minutes=minutes)
        assert all(nominal * 0.8 <= d <= nominal * 1.2 for d in delays), (attempts, delays)
    assert len({delivery.backoff(POLICY, 3) for _ in range(20)}) > 1  # jittered


def test_a_failure_goes_back_to_pending_after_the_backoff():
    rows()
    (row,) = claim()
    delay = delivery.mark_retry(row, policy=POLICY, now=NOW, error="SMTP down")
    stored = Notification.objects.get()
    assert stored.status == DeliveryStatus.PENDING
    assert dt.timedelta(seconds=48) <= delay <= dt.timedelta(seconds=72)
    assert stored.next_attempt_at == NOW + delay
    assert stored.last_error == "SMTP down"


def test_the_last_allowed_attempt_makes_a_dead_letter():
    rows()
    now = NOW
    for _ in range(POLICY.max_attempts):
        (row,) = claim(now=now)
        delivery.mark_retry(row, policy=POLICY, now=now, error="SMTP down")
        now += dt.timedelta(hours=2)
    stored = Notification.objects.get()
    assert (stored.status, stored.attempts) == (DeliveryStatus.FAILED, POLICY.max_attempts)
    assert claim(now=now + dt.timedelta(days=1)) == []


def test_a_permanent_refusal_is_a_dead_letter_at_once():
    rows()
    (row,) = claim()
    assert delivery.mark_retry(row, policy=POLICY, now=NOW, error="550", permanent=True) is None
    assert Notification.objects.get().status == DeliveryStatus.FAILED


def test_resend_now_makes_failed_rows_due_with_a_fresh_budget_and_leaves_the_rest():
    failed, sending, sent = rows(3)
    Notification.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED, attempts=3)
    Notification.objects.filter(pk=sending.pk).update(status=DeliveryStatus.SENDING)
    Notification.objects.filter(pk=sent.pk).update(status=DeliveryStatus.SENT)
    later = NOW + dt.timedelta(days=1)
    assert delivery.resend_now(Notification.objects.all(), now=later) == 1
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.next_attempt_at) == ("pending", 0, later)
    assert {r.status for r in Notification.objects.exclude(pk=failed.pk)} == {"sending", "sent"}


def test_purge_deletes_finished_rows_past_the_retention_only():
    old_sent, old_failed, old_pending, recent_sent = rows(4)
    Notification.objects.filter(pk__in=[old_sent.pk, recent_sent.pk]).update(status="sent")
    Notification.objects.filter(pk=old_failed.pk).update(status="failed")
    Notification.objects.filter(pk=recent_sent.pk).update(created_at=NOW + dt.timedelta(days=20))
    deleted = delivery.purge(Notification, policy=POLICY, now=NOW + dt.timedelta(days=31))
    assert deleted == 2
    assert set(Notification.objects.values_list("pk", flat=True)) == {
        old_pending.pk,
        recent_sent.pk,
    }


def test_purge_all_covers_every_registered_outbox(monkeypatch):
    monkeypatch.setattr(delivery, "REGISTRY", {})
    delivery.register(Notification, POLICY)
    (row,) = rows(status=DeliveryStatus.SKIPPED)
    assert delivery.purge_all(now=NOW + dt.timedelta(days=31)) == {"test": 1}
    assert not Notification.objects.filter(pk=row.pk).exists()


def test_stats_count_depth_and_the_oldest_pending_age(django_assert_max_num_queries):
    a, b, c, d = rows(4)
    Notification.objects.filter(pk=a.pk).update(created_at=NOW - dt.timedelta(minutes=10))
    Notification.objects.filter(pk=c.pk).update(status="sending")
    Notification.objects.filter(pk=d.pk).update(status="failed")
    with django_assert_max_num_queries(2):
        found = delivery.stats(Notification, now=NOW)
    assert found == {
        "pending": 2,
        "sending": 1,
        "failed": 1,
        "oldest_pending_age_seconds": 600.0,
    }
    Notification.objects.all().delete()
    assert delivery.stats(Notification, now=NOW)["oldest_pending_age_seconds"] == 0.0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent claimers need PostgreSQL (CI runs it)"
)
def test_concurrent_claimers_never_share_a_row():
    created = rows(40)
    results = run_in_threads(4, lambda i: claim(limit=15))
    assert all(kind == "ok" for kind, _ in results), results
    claimed = [row.pk for _kind, batch in results for row in batch]
    assert len(claimed) == len(set(claimed)) == len(created)
