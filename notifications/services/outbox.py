"""The outbox: derive delivery rows from ticket events, deliver them at least once, sweep.

Rows live on the shared delivery primitive (``oceanis.delivery``): ``pending`` (due at
``next_attempt_at``) → ``sending`` (claimed by one worker for a lease) → ``sent``; a temporary
failure puts them back to ``pending`` after a jittered exponential backoff, a permanent one (5xx
refusal, or the attempts spent) makes them ``failed`` (the dead letter, « Renvoyer maintenant »).

* Grouping: an event's rows become due one grouping window (60 s) after the event. When a row of
  a (ticket, recipient) pair is due, the sender also takes that pair's rows due within the next
  window, so several events of a ticket a few seconds apart leave as one mail.
* At least once, never twice in the reader's mailbox: a mail's Message-ID is stored on its rows
  before the first attempt, and every later attempt of those rows sends it again with that
  Message-ID. A row left in ``sending`` by a worker that died mid-send is claimed again once its
  lease (``NOTIFICATIONS_LEASE_SECONDS``) has passed; if the first copy did leave, mail clients
  drop the second one. Two live workers never send the same row: claims are exclusive.
* Digests are rows too: the sweeper plans a day's digest rows once its 17:00 has passed, so a
  lost 17:00 message or a worker down at 17:00 only delays it (up to
  ``NOTIFICATIONS_DIGEST_MAX_AGE_DAYS``).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from oceanis import delivery
from oceanis.delivery import DeliveryPolicy
from sla.policy import calendar_for
from tickets.models import OPEN_STATES, EventKind, Ticket, TicketEvent

from .. import digest, emails
from ..models import EventDispatch, KnownMessageId, Notification, NotificationKind
from ..recipients import event_recipients, notification_kind

logger = logging.getLogger(__name__)

Status = Notification.Status
Pair = tuple[int, str]  # (ticket id, recipient address)

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)  # with 30 attempts: about a day of SMTP outage before giving up
STALE_EVENT_AGE = timedelta(hours=24)  # older events are history (or backdated), never mailed
SWEEP_BATCH = 500


def policy() -> DeliveryPolicy:
    """Read at each use, so settings (and tests overriding them) apply at once."""
    return DeliveryPolicy(
        channel="mail",
        lease=timedelta(seconds=settings.NOTIFICATIONS_LEASE_SECONDS),
        backoff_base=BACKOFF_BASE,
        backoff_cap=BACKOFF_CAP,
        max_attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS,
        retention=timedelta(days=settings.NOTIFICATIONS_RETENTION_DAYS),
    )


def grouping_window() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_GROUPING_SECONDS)


def backoff(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min … capped at 1 h (±20 % jitter), after ``attempts`` failed attempts."""
    return delivery.backoff(policy(), attempts)


# --- planning ------------------------------------------------------------------------------


@dataclass
class Planned:
    due_at: datetime
    pairs: list[Pair] = field(default_factory=list)


def plan_event(event_id: int, now: datetime | None = None) -> Planned | None:
    """Create the delivery rows of one event, once (idempotent: a second call does nothing).

    Returns when and for whom a delivery should be attempted, or None when nothing was planned.
    """
    now = now or timezone.now()
    try:
        # get(), not first(): no ORDER BY to compile (the model's ordering), one row anyway.
        event = TicketEvent.objects.select_related(
            "actor",
            "ticket__client",
            "ticket__contact",
            "ticket__contract",
            "ticket__assignee__user",
        ).get(pk=event_id)
    except TicketEvent.DoesNotExist:
        return None
    kind = notification_kind(event)
    rows: list[Notification] = []
    due: datetime | None = None
    if kind is None:
        note = "not mailed"
    elif event.at < now - STALE_EVENT_AGE:
        note = "stale"
    else:
        note = ""
        due = _due_at(event, kind, now)
        # Read before the transaction: it then holds its locks for two INSERTs only.
        rows = [
            Notification(
                ticket=event.ticket,
                event=event,
                kind=kind,
                audience=person.audience,
                recipient=person.email,
                language=person.language,
                next_attempt_at=due,
                created_at=now,
            )
            for person in event_recipients(event, kind)
        ]
    try:
        with transaction.atomic():
            # The mark is the once-only guard: a second run (or a concurrent worker, which
            # waits for this one's commit) fails on its primary key, and its rows roll back
            # with it. A plain INSERT, not get_or_create: no SELECT and no savepoint.
            EventDispatch.objects.create(event=event, rows=len(rows), note=note)
            if rows:
                Notification.objects.bulk_create(rows, ignore_conflicts=True)
    except IntegrityError:
        return None
    if due is None:  # not mailed, or stale
        return None
    return Planned(due, [(event.ticket_id, row.recipient) for row in rows])


def _due_at(event: TicketEvent, kind: str, now: datetime) -> datetime:
    due = max(event.at + grouping_window(), now)
    if kind == NotificationKind.SLA_WARNING:
        # Warnings reach people in the ticket's subscribed hours only; 24x7 contracts are
        # always open, so their warnings leave at once, night and day.
        plan = event.ticket.contract_hours_plan or "standard"
        due = calendar_for(plan).next_open(due)
    return due


# --- delivery ------------------------------------------------------------------------------


@dataclass
class Outcome:
    sent: int = 0  # mails accepted by the SMTP server
    retry_in: timedelta | None = None  # when the rows are due again after a failure


def claim(ticket_id: int, recipient: str, now: datetime | None = None) -> list[Notification]:
    """Take the pair's due rows (and those due within the grouping window) for this worker.

    Nothing is taken unless at least one row is due (or was left ``sending`` past its lease).
    The claim is exclusive: rows another worker holds are not due, and are not taken.
    """
    now = now or timezone.now()
    pair = Q(ticket_id=ticket_id, recipient=recipient)
    if not Notification.objects.filter(pair, delivery.due(now)).exists():
        return []
    rows = Notification.objects.select_related(
        "event__actor", "ticket__client", "ticket__assignee__user", "ticket__follow_up_of"
    )
    claimed = delivery.claim_due(
        rows,
        policy=policy(),
        now=now,
        filters=pair,
        due_by=now + grouping_window(),
        limit=SWEEP_BATCH,
    )
    return sorted(claimed, key=lambda row: (row.created_at, row.pk))


def deliver(ticket_id: int, recipient: str, now: datetime | None = None) -> Outcome:
    """Send what is due for one (ticket, recipient): one mail for the grouped events of each
    audience, one mail per digest day."""
    now = now or timezone.now()
    rows = claim(ticket_id, recipient, now)
    outcome = Outcome()
    if not rows:
        return outcome
    rows = _drop_obsolete_warnings(rows, now)
    ticket = rows[0].ticket if rows else None
    for batch in _batches(rows):
        try:
            message = _build(ticket, batch)
        except Exception as exc:  # a template or data bug: keep the rows, report the error
            logger.exception("Cannot build notification mail for %s", ticket)
            _failed(batch, exc, now, outcome)
            continue
        _send(ticket, batch, message, now, outcome)
    return outcome


def _batches(rows: list[Notification]) -> list[list[Notification]]:
    """One mail per audience for events, per digest day for digests; rows whose mail was
    already attempted go again together, as that same mail (same Message-ID, same rows)."""
    groups: dict[tuple, list[Notification]] = {}
    for row in rows:
        if row.message_id:
            key = ("attempted", row.message_id)
        elif row.digest_date:
            key = ("digest", row.digest_date)
        else:
            key = ("event", row.audience)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _build(ticket: Ticket, batch: list[Notification]):
    first = batch[0]
    if first.digest_date:
        lines = digest.digest_lines(ticket, first)
        return emails.build_digest_email(
            ticket, first.recipient, first.language, first.digest_date, lines
        )
    return emails.build_event_email(ticket, first.recipient, first.language, first.audience, batch)


def thread_of(ticket_id: int, recipient: str, audience: str) -> list[str]:
    """The Message-IDs already sent to this recipient about this ticket in this audience: the
    first one (the thread root) and the latest, oldest first, bounded (two small queries).

    Per recipient: each person's mail client only holds the mails sent to them, and a thread
    hanging on a message they never received may not group. Client and staff threads stay apart.
    """
    sent = Notification.objects.filter(
        ticket_id=ticket_id, recipient=recipient, audience=audience, status=Status.SENT
    ).exclude(message_id="")
    root = sent.order_by("sent_at", "pk").values_list("message_id", flat=True).first()
    if root is None:
        return []
    # Rows of one grouped mail share its Message-ID: read a few more rows than ids needed.
    latest = sent.order_by("-sent_at", "-pk").values_list("message_id", flat=True)
    recent: list[str] = []
    for message_id in latest[: emails.MAX_REFERENCES * 4]:
        if message_id != root and message_id not in recent:
            recent.append(message_id)
        if len(recent) == emails.MAX_REFERENCES - 1:
            break
    return [root, *reversed(recent)]


def _send(ticket, batch, message, now, outcome: Outcome) -> None:
    audience = batch[0].audience
    if batch[0].message_id:
        message.extra_headers["Message-ID"] = batch[0].message_id  # a retry: the same mail
    message_id = emails.message_id_of(message)
    with transaction.atomic():
        # Stored before the first attempt, so that every later attempt (after a failure, or
        # after a worker died mid-send) carries the same Message-ID; no-op when the claim was
        # lost.
        if not _claimed(batch).update(message_id=message_id):
            return
        # Recorded before sending: a reply can never arrive before its message is known. A
        # retry finds it there already (no SELECT first: the INSERT skips the conflict).
        KnownMessageId.objects.bulk_create(
            [
                KnownMessageId(
                    message_id=message_id,
                    ticket=ticket,
                    direction=KnownMessageId.Direction.OUT,
                    audience=audience,
                )
            ],
            ignore_conflicts=True,
        )
    emails.thread(message, thread_of(ticket.pk, batch[0].recipient, audience))
    try:
        sent = message.send(fail_silently=False)
    except Exception as exc:
        _failed(batch, exc, now, outcome)
        return
    if not sent:
        _failed(batch, RuntimeError("the mail backend accepted no message"), now, outcome)
        return
    if delivery.mark_sent(batch, now=timezone.now(), message_id=message_id):
        outcome.sent += 1


def _claimed(batch: list[Notification]):
    # Only the rows this worker claimed (same token): never another worker's.
    return Notification.objects.filter(
        pk__in=[row.pk for row in batch], claim=batch[0].claim, status=Status.SENDING
    )


def _failed(batch, exc: Exception, now: datetime, outcome: Outcome) -> None:
    error = f"{type(exc).__name__}: {exc}"
    delay = delivery.mark_retry(
        batch, policy=policy(), now=now, error=error, permanent=_permanent(exc)
    )
    if batch[0].status == Status.FAILED:
        logger.error("Notification mail to %s failed for good: %s", batch[0].recipient, error)
    if delay is None:
        return
    logger.warning(
        "Notification mail to %s will be retried in %s: %s", batch[0].recipient, delay, error
    )
    outcome.retry_in = min(outcome.retry_in or delay, delay)


def _permanent(exc: Exception) -> bool:
    """A 5xx refusal will not change by retrying (unknown mailbox, rejected sender…)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _drop_obsolete_warnings(rows: list[Notification], now: datetime) -> list[Notification]:
    """A GTI warning deferred to business hours is pointless once the ticket is taken in
    charge (or closed) in the meantime."""
    keep, drop = [], []
    for row in rows:
        ticket = row.ticket
        obsolete = row.kind == NotificationKind.SLA_WARNING and (
            ticket.taken_in_charge_at is not None or ticket.state not in OPEN_STATES
        )
        (drop if obsolete else keep).append(row)
    delivery.mark_skipped(drop, now=now, note="GTI clock stopped before the warning could leave")
    return keep


# --- sweeping ------------------------------------------------------------------------------


@dataclass
class SweepReport:
    planned_events: int = 0
    stuck: int = 0  # rows left "sending" past their lease: sent again, same Message-ID
    digest_days: list = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)


def sweep(now: datetime | None = None) -> SweepReport:
    """Recover from lost broker messages and crashed workers.

    1. recent mail-worthy events without a dispatch mark → planned now;
    2. digest days whose 17:00 has passed without their rows being planned → planned now;
    3. the (ticket, recipient) pairs with a due row (pending and due, or ``sending`` past its
       lease: the worker died mid-send) → returned for delivery.
    """
    now = now or timezone.now()
    report = SweepReport()
    report.stuck = Notification.objects.filter(
        status=Status.SENDING, next_attempt_at__lte=now
    ).count()
    if report.stuck:
        logger.warning("%d notification row(s) interrupted mid-send: sent again", report.stuck)
    missing = (
        TicketEvent.objects.filter(
            at__gte=now - STALE_EVENT_AGE,
            kind__in=[
                EventKind.CREATED,
                EventKind.TRANSITION,
                EventKind.SLA_WARNING,
                EventKind.CLOSURE_REMINDER,
            ],
            notification_dispatch__isnull=True,
        )
        .order_by("at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for event_id in list(missing):
        plan_event(event_id, now)
        report.planned_events += 1
    report.digest_days = digest.plan_missed_digests(now)
    report.pairs = due_pairs(now)
    return report


def due_pairs(now: datetime | None = None) -> list[Pair]:
    now = now or timezone.now()
    rows = (
        Notification.objects.filter(delivery.due(now))
        .values_list("ticket_id", "recipient")
        .distinct()
        .order_by("ticket_id", "recipient")
    )
    return [tuple(pair) for pair in rows[:SWEEP_BATCH]]


def retry_now(queryset, now: datetime | None = None) -> list[Pair]:
    """Operator action « Renvoyer maintenant »: make failed or waiting rows due now, with a
    fresh attempt budget; a mail already attempted keeps its Message-ID."""
    now = now or timezone.now()
    rows = queryset.filter(status__in=[Status.FAILED, Status.PENDING])
    pairs = sorted(set(rows.values_list("ticket_id", "recipient")))
    delivery.resend_now(rows, now=now)
    return pairs
