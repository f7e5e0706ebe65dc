"""One delivery primitive for every outbox (mails, webhooks, incident communications, pages).

A concrete outbox is a model inheriting ``DeliveryRow`` plus a ``DeliveryPolicy``. Delivery is
driven by the rows, never by broker messages: a task attempts a row soon after commit (fast
path) and each outbox's every-minute sweeper calls ``claim_due`` for whatever is due, so a lost
broker message or a worker down for hours only delays.

At least once: a claim is a lease. A row still ``sending`` once its lease (``next_attempt_at``)
has passed belongs to a worker that died mid-send; it is due again and the next claim takes it.
Receivers de-duplicate by the row's stable id (``delivery_key``, or a mail's Message-ID), which
is the same on every attempt. A worker whose lease was taken over cannot record an outcome: every
``mark_*`` is conditional on its claim token.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oceanis.db import delete_in_batches

JITTER = 0.2  # ±20 %: workers retrying after one outage do not all hit the server at once
MAX_ERROR_LENGTH = 2000

R = TypeVar("R", bound="DeliveryRow")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")  # dead letter: max attempts reached or permanent refusal
    SKIPPED = "skipped", _("Sans objet")


FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)


class DeliveryRow(models.Model):
    """The delivery state of one message; concrete outboxes add what to send and to whom.

    Concrete models should add ``models.Index(fields=["status", "next_attempt_at"])``: it is what
    ``claim_due`` reads.
    """

    status = models.CharField(
        _("statut"),
        max_length=8,
        choices=DeliveryStatus,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    # Pending: when the row is due. Sending: when the claim's lease ends.
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    delivery_key = models.UUIDField(_("identifiant d'envoi"), default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    class Meta:
        abstract = True


@dataclass(frozen=True)
class DeliveryPolicy:
    channel: str  # "mail", "webhook", "incident_mail", "page", "notice_mail" (metrics label)
    lease: timedelta
    backoff_base: timedelta
    backoff_cap: timedelta
    max_attempts: int
    retention: timedelta  # sent/failed/skipped rows older than this are purged


MESSAGE_ID_DEFAULT_DOMAIN = "oceanis.service-desk"


def message_id(local_part: str) -> str:
    """A Message-ID on the desk's domain; built from a row's key it is the same on every retry."""
    domain = settings.NOTIFICATIONS_MESSAGE_ID_DOMAIN or MESSAGE_ID_DEFAULT_DOMAIN
    return f"<{local_part}@{domain}>"


REGISTRY: dict[str, tuple[type[DeliveryRow], DeliveryPolicy]] = {}


def register(model: type[DeliveryRow], policy: DeliveryPolicy) -> None:
    """Make an outbox known to metrics, the admin and the retention purge (keyed by channel)."""
    REGISTRY[policy.channel] = (model, policy)


def backoff(policy: DeliveryPolicy, attempts: int) -> timedelta:
    """base, 2×base, 4×base … after ``attempts`` failed attempts, capped, then ±20 % jitter."""
    exponent = min(max(attempts - 1, 0), 32)  # 2**32 × any base is past any cap: no overflow
    delay: timedelta = min(policy.backoff_base * (2**exponent), policy.backoff_cap)
    return delay * random.uniform(1 - JITTER, 1 + JITTER)


def due(now: datetime, due_by: datetime | None = None) -> Q:
    """Rows a claim at ``now`` takes: pending and due (by ``due_by``), or sending with an expired
    lease."""
    pending = Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=due_by or now)
    lease_expired = Q(status=DeliveryStatus.SENDING, next_attempt_at__lte=now)
    return pending | lease_expired


def claim_due(
    model: type[R] | models.QuerySet[R],
    *,
    policy: DeliveryPolicy,
    now: datetime,
    limit: int = 100,
    filters: Q | None = None,
    ids: Iterable[int] | None = None,
    due_by: datetime | None = None,
) -> list[R]:
    """Take the due rows (pending and due, or sending with an expired lease) for this worker.

    ``due_by`` (later than ``now``) also takes pending rows due before it, e.g. a mail's grouping
    window. ``model`` may be a queryset (its filters apply, its ``select_related``
    shapes the rows returned).
    Returns the claimed rows, oldest due first, each holding this claim's token in ``claim``
    (what ``mark_*`` checks); two claimers never
    get the same row, because the final UPDATE re-checks the due condition and SQLite serialises
    writers while PostgreSQL skips the rows another claimer has locked.
    """
    base = model if isinstance(model, models.QuerySet) else model._default_manager.all()
    model = base.model
    condition = due(now, due_by)
    candidates = base.select_related(None).filter(condition)
    if filters is not None:
        candidates = candidates.filter(filters)
    if ids is not None:
        candidates = candidates.filter(pk__in=list(ids))
    candidates = candidates.order_by("next_attempt_at", "pk")
    token = uuid.uuid4().hex
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            # Lock the outbox rows only, not the rows of tables a filter joins.
            of = ("self",) if connection.features.has_select_for_update_of else ()
            candidates = candidates.select_for_update(skip_locked=True, of=of)
        picked = list(candidates.values_list("pk", flat=True)[:limit])
        if not picked:
            return []
        won = model._default_manager.filter(condition, pk__in=picked).update(
            status=DeliveryStatus.SENDING,
            claim=token,
            claimed_at=now,
            next_attempt_at=now + policy.lease,
            attempts=F("attempts") + 1,
        )
    if not won:
        return []
    rows = base.filter(pk__in=picked, claim=token).order_by()
    # Sorted here, not in SQL: compiling an ORDER BY over the caller's joins cost more CPU than
    # the query itself (a claim is on every delivery's path).
    return sorted(rows, key=lambda row: (row.next_attempt_at, row.created_at, row.pk))


def _rows(row_or_rows: DeliveryRow | Iterable[DeliveryRow]) -> list[DeliveryRow]:
    if isinstance(row_or_rows, DeliveryRow):
        return [row_or_rows]
    return list(row_or_rows)


def _claimed(rows: list[DeliveryRow]) -> models.QuerySet[DeliveryRow]:
    """The given rows still held by their claim: never another worker's (a stale worker whose
    lease was taken over updates nothing)."""
    model = type(rows[0])
    return model._default_manager.filter(
        pk__in=[row.pk for row in rows], claim=rows[0].claim, status=DeliveryStatus.SENDING
    )


def _apply(rows: list[DeliveryRow], values: dict[str, Any]) -> None:
    for row in rows:
        for name, value in values.items():
            setattr(row, name, value)


def mark_sent(row: DeliveryRow | Iterable[DeliveryRow], *, now: datetime, **fields: Any) -> bool:
    """Record a delivery (one row or the rows of one claim sent together).

    False when the claim was lost meanwhile (its lease expired and another worker took the row):
    that worker now owns the outcome.
    """
    rows = _rows(row)
    if not rows:
        return False
    values = {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": "", **fields}
    updated = _claimed(rows).update(**values)
    if updated:
        _apply(rows, values)
    return updated == len(rows)


def mark_retry(
    row: DeliveryRow | Iterable[DeliveryRow],
    *,
    policy: DeliveryPolicy,
    now: datetime,
    error: str,
    permanent: bool = False,
) -> timedelta | None:
    """After a failed attempt: pending again after a backoff, or the dead letter (``failed``)
    when the refusal is permanent or the attempts are spent.

    Returns the backoff delay, or None when the rows became dead letters (or the claim was lost).
    """
    rows = _rows(row)
    if not rows:
        return None
    error = error[:MAX_ERROR_LENGTH]
    attempts = max(r.attempts for r in rows)
    values: dict[str, Any]
    if permanent or attempts >= policy.max_attempts:
        values = {"status": DeliveryStatus.FAILED, "last_error": error}
        delay = None
    else:
        delay = backoff(policy, attempts)
        values = {
            "status": DeliveryStatus.PENDING,
            "last_error": error,
            "next_attempt_at": now + delay,
        }
    if not _claimed(rows).update(**values):
        return None
    _apply(rows, values)
    return delay


def mark_skipped(
    row: DeliveryRow | Iterable[DeliveryRow], *, now: datetime, note: str = ""
) -> None:
    """Nothing to send any more (the reason is kept in ``last_error``)."""
    rows = _rows(row)
    if not rows:
        return
    values = {"status": DeliveryStatus.SKIPPED, "last_error": note[:MAX_ERROR_LENGTH]}
    if _claimed(rows).update(**values):
        _apply(rows, values)


def resend_now(queryset: models.QuerySet[Any], *, now: datetime) -> int:
    """Operator action « Renvoyer maintenant »: failed or waiting rows due now, with a fresh
    attempt budget. Rows being sent or already sent are left alone."""
    return queryset.filter(status__in=[DeliveryStatus.FAILED, DeliveryStatus.PENDING]).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now
    )


def purge(model: type[DeliveryRow], *, policy: DeliveryPolicy, now: datetime) -> int:
    """Delete the finished rows older than the retention; pending and sending ones are kept.
    In batches: a first purge of a large backlog holds no long lock."""
    finished = model._default_manager.filter(
        status__in=FINAL_STATUSES, created_at__lt=now - policy.retention
    )
    return delete_in_batches(finished)


def purge_all(*, now: datetime) -> dict[str, int]:
    """Retention for every registered outbox."""
    return {
        channel: purge(model, policy=policy, now=now)
        for channel, (model, policy) in REGISTRY.items()
    }


def stats(model: type[DeliveryRow], *, now: datetime) -> dict[str, float]:
    """Outbox depth and age, for metrics: two queries whatever the size."""
    counts = dict(
        model._default_manager.filter(
            status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED]
        )
        .order_by()
        .values_list("status")
        .annotate(n=models.Count("pk"))
    )
    oldest = (
        model._default_manager.filter(status=DeliveryStatus.PENDING)
        .order_by()
        .aggregate(oldest=Min("created_at"))["oldest"]
    )
    return {
        "pending": counts.get(DeliveryStatus.PENDING, 0),
        "sending": counts.get(DeliveryStatus.SENDING, 0),
        "failed": counts.get(DeliveryStatus.FAILED, 0),
        "oldest_pending_age_seconds": max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
    }
