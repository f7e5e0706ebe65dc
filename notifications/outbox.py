"""The outbox: derive delivery rows from ticket events, deliver them at most once, sweep.

Life of a row: ``pending`` (due at ``next_attempt_at``) → ``sending`` (claimed by one worker) →
``sent``; a temporary failure puts it back to ``pending`` with an exponential backoff, a
permanent one (5xx refusal, or too many attempts) makes it ``failed``.

* Grouping: an event's rows become due one grouping window (60 s) after the event. When a row of
  a (ticket, recipient) pair is due, the sender also takes that pair's rows due within the next
  window, so several events of a ticket a few seconds apart leave as one mail.
* At most once: a worker owns rows only through a conditional ``UPDATE … WHERE status='pending'``
  (the claim); the row count says who won, so two workers never send the same row. A row left in
  ``sending`` by a worker that died mid-send is never re-sent automatically (the SMTP server may
  have accepted it): the sweeper marks it failed and an operator decides ("retry now").
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sla.policy import calendar_for
from tickets.models import OPEN_STATES, EventKind, Ticket, TicketEvent

from . import emails
from .digest import digest_lines
from .models import EventDispatch, KnownMessageId, Notification, NotificationKind
from .recipients import event_recipients, notification_kind

logger = logging.getLogger(__name__)

Status = Notification.Status
Pair = tuple[int, str]  # (ticket id, recipient address)

BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 30  # with the 1 h cap: about a day of SMTP outage before giving up
STALE_EVENT_AGE = timedelta(hours=24)  # older events are history (or backdated), never mailed
STUCK_SENDING_AFTER = timedelta(minutes=15)
SWEEP_BATCH = 500


def grouping_window() -> timedelta:
    return timedelta(seconds=getattr(settings, "NOTIFICATIONS_GROUPING_SECONDS", 60))


def max_attempts() -> int:
    return getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)


def backoff(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min … capped at 1 h, after ``attempts`` failed attempts."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


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
    event = (
        TicketEvent.objects.select_related(
            "actor",
            "ticket__client",
            "ticket__contact",
            "ticket__contract",
            "ticket__assignee__user",
        )
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return None
    kind = notification_kind(event)
    with transaction.atomic():
        dispatch, created = EventDispatch.objects.get_or_create(event=event)
        if not created:
            return None
        if kind is None:
            return _noted(dispatch, "not mailed")
        if event.at < now - STALE_EVENT_AGE:
            return _noted(dispatch, "stale")
        due = _due_at(event, kind, now)
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
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        dispatch.rows = len(rows)
        dispatch.save(update_fields=["rows"])
    return Planned(due, [(event.ticket_id, row.recipient) for row in rows])


def _noted(dispatch: EventDispatch, note: str) -> None:
    dispatch.note = note
    dispatch.save(update_fields=["note"])
    return None


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
    retry_in: timedelta | None = None  # when the caller should try again after a failure


def claim(ticket_id: int, recipient: str, now: datetime | None = None) -> list[Notification]:
    """Take the pair's due rows (and those due within the grouping window) for this worker.

    Nothing is taken unless at least one row is due. The conditional UPDATE is atomic: rows
    another worker claimed first are no longer ``pending`` and are not counted.
    """
    now = now or timezone.now()
    pending = Notification.objects.filter(
        ticket_id=ticket_id, recipient=recipient, status=Status.PENDING
    )
    if not pending.filter(next_attempt_at__lte=now).exists():
        return []
    token = uuid.uuid4().hex
    won = pending.filter(next_attempt_at__lte=now + grouping_window()).update(
        status=Status.SENDING, claim=token, claimed_at=now
    )
    if not won:
        return []
    return list(
        Notification.objects.filter(claim=token, status=Status.SENDING)
        .select_related(
            "event__actor", "ticket__client", "ticket__assignee__user", "ticket__follow_up_of"
        )
        .order_by("created_at", "pk")
    )


def deliver(ticket_id: int, recipient: str, now: datetime | None = None) -> Outcome:
    """Send what is due for one (ticket, recipient): one mail for the grouped events of each
    audience, one mail per digest day."""
    now = now or timezone.now()
    rows = claim(ticket_id, recipient, now)
    outcome = Outcome()
    if not rows:
        return outcome
    rows = _drop_obsolete_warnings(rows)
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
    groups: dict[tuple, list[Notification]] = {}
    for row in rows:
        key = ("digest", row.digest_date) if row.digest_date else ("event", row.audience)
        groups.setdefault(key, []).append(row)
    return list(groups.values())


def _build(ticket: Ticket, batch: list[Notification]):
    first = batch[0]
    if first.digest_date:
        return emails.build_digest_email(
            ticket, first.recipient, first.language, first.digest_date, digest_lines(ticket, first)
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
    message_id = emails.message_id_of(message)
    audience = batch[0].audience
    emails.thread(message, thread_of(ticket.pk, batch[0].recipient, audience))
    # Recorded before sending: a reply can never arrive before its message is known.
    KnownMessageId.objects.get_or_create(
        message_id=message_id,
        defaults={
            "ticket": ticket,
            "direction": KnownMessageId.Direction.OUT,
            "audience": audience,
        },
    )
    try:
        sent = message.send(fail_silently=False)
    except Exception as exc:
        _failed(batch, exc, now, outcome)
        return
    if not sent:
        _failed(batch, RuntimeError("the mail backend accepted no message"), now, outcome)
        return
    _mark(batch).update(
        status=Status.SENT, sent_at=timezone.now(), message_id=message_id, last_error=""
    )
    outcome.sent += 1


def _mark(batch: list[Notification]):
    # Only the rows this worker claimed (same token): never another worker's.
    return Notification.objects.filter(
        pk__in=[row.pk for row in batch], claim=batch[0].claim, status=Status.SENDING
    )


def _failed(batch, exc: Exception, now: datetime, outcome: Outcome) -> None:
    attempts = batch[0].attempts + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if _permanent(exc) or attempts >= max_attempts():
        _mark(batch).update(status=Status.FAILED, attempts=attempts, last_error=error)
        logger.error("Notification mail to %s failed for good: %s", batch[0].recipient, error)
        return
    delay = backoff(attempts)
    _mark(batch).update(
        status=Status.PENDING, attempts=attempts, last_error=error, next_attempt_at=now + delay
    )
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


def _drop_obsolete_warnings(rows: list[Notification]) -> list[Notification]:
    """A GTI warning deferred to business hours is pointless once the ticket is taken in
    charge (or closed) in the meantime."""
    keep, drop = [], []
    for row in rows:
        ticket = row.ticket
        obsolete = row.kind == NotificationKind.SLA_WARNING and (
            ticket.taken_in_charge_at is not None or ticket.state not in OPEN_STATES
        )
        (drop if obsolete else keep).append(row)
    if drop:
        _mark(drop).update(
            status=Status.SKIPPED, last_error="GTI clock stopped before the warning could leave"
        )
    return keep


# --- sweeping ------------------------------------------------------------------------------


@dataclass
class SweepReport:
    planned_events: int = 0
    stuck: int = 0
    pairs: list[Pair] = field(default_factory=list)


def sweep(now: datetime | None = None) -> SweepReport:
    """Recover from lost broker messages and crashed workers.

    1. rows stuck in ``sending`` → ``failed`` (never re-sent blindly: at most once);
    2. recent mail-worthy events without a dispatch mark → planned now;
    3. the (ticket, recipient) pairs with a due pending row → returned for delivery.
    """
    now = now or timezone.now()
    report = SweepReport()
    report.stuck = Notification.objects.filter(
        status=Status.SENDING, claimed_at__lt=now - STUCK_SENDING_AFTER
    ).update(
        status=Status.FAILED,
        last_error="Interrupted while sending (worker stopped): not re-sent automatically; "
        "check the mail server's logs, then use « retry now » if it never left.",
    )
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
    report.pairs = due_pairs(now)
    return report


def due_pairs(now: datetime | None = None) -> list[Pair]:
    now = now or timezone.now()
    rows = (
        Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .values_list("ticket_id", "recipient")
        .distinct()
        .order_by("ticket_id", "recipient")
    )
    return [tuple(pair) for pair in rows[:SWEEP_BATCH]]


def retry_now(queryset, now: datetime | None = None) -> list[Pair]:
    """Operator action: make failed or waiting rows due now, with a fresh attempt budget."""
    now = now or timezone.now()
    rows = queryset.filter(status__in=[Status.FAILED, Status.PENDING])
    pairs = sorted(set(rows.values_list("ticket_id", "recipient")))
    rows.update(status=Status.PENDING, attempts=0, next_attempt_at=now)
    return pairs
