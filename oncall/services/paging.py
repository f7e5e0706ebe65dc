"""Paging: send, re-page, escalate, acknowledge.

A page walks a chain of steps, one every ``ONCALL_ACK_MINUTES`` until acknowledged: the on-call
technician (then ``ONCALL_REPAGES`` re-pages of them), the backup, the escalation contact
(manager); past the last step the page is "unanswered" (still acknowledgeable). A level nobody
holds is logged as skipped and the chain moves on at once.

Each step is claimed by a conditional UPDATE on ``(pk, step, state)``: the row count says which
worker or sweeper won, so a step is started at most once however many run. The claim also moves
``next_step_at`` forward before sending. Celery runs the next step on time (``countdown``) and
the beat sweeper catches anything a lost message or a restarted worker missed.

A step's message on each channel is a ``PageAttempt`` delivery row (``oceanis.delivery``),
attempted at once; a failure is retried after a backoff by a Celery retry or the sweeper (never
a sleep in the worker), a message whose worker died mid-send is sent again once its lease ends,
always with the row's ``delivery_key`` as idempotency key. A retry the page no longer needs
(acknowledged, settled, next step already sent) is skipped.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from oceanis import delivery as outbox
from oceanis.messages import Message
from sla.policy import Urgency
from staff.models import Technician
from tickets.models import NOT_TAKEN_STATES, OPEN_STATES, Ticket
from tickets.services import TicketTransitionError, ticket_take_in_charge

from ..channels import PageMessage, configured_channels
from ..links import absolute, ack_url
from ..models import (
    ACKNOWLEDGEABLE_STATES,
    ACTIVE_PAGE_STATES,
    AckVia,
    AttemptOutcome,
    Page,
    PageAttempt,
    PageLevel,
    PageState,
)

logger = logging.getLogger(__name__)

# A message retried later than this is late for a one-hour commitment: the chain moves on anyway.
RETRY_CAP = timedelta(minutes=5)
# The page log is the history of every page (the 1-hour commitment): never purged.
KEEP = timedelta(days=36500)


def policy() -> outbox.DeliveryPolicy:
    """Read at each use: settings changed at run time (tests) apply at once."""
    return outbox.DeliveryPolicy(
        channel="page",
        lease=timedelta(seconds=settings.ONCALL_PAGE_LEASE_SECONDS),
        backoff_base=timedelta(seconds=settings.ONCALL_PAGE_RETRY_BASE_SECONDS),
        backoff_cap=RETRY_CAP,
        max_attempts=settings.ONCALL_PAGE_MAX_ATTEMPTS,
        retention=KEEP,
    )


def ack_delay() -> timedelta:
    return timedelta(minutes=settings.ONCALL_ACK_MINUTES)


def chain() -> list[int]:
    """The levels paged at each step, in order."""
    return [PageLevel.PRIMARY] * (1 + settings.ONCALL_REPAGES) + [
        PageLevel.BACKUP,
        PageLevel.MANAGER,
    ]


def recipient(page: Page, level: int) -> Technician | None:
    return {
        PageLevel.PRIMARY: page.target,
        PageLevel.BACKUP: page.backup,
        PageLevel.MANAGER: page.escalation_contact,
    }[level]


def _load(page_id: int) -> Page:
    return Page.objects.select_related(
        "ticket__client", "target__user", "backup__user", "escalation_contact__user"
    ).get(pk=page_id)


# --- advancing the chain -------------------------------------------------------------------


def page_advance(page_id: int, *, now: datetime | None = None) -> int:
    """Run the page's due step(s); returns how many messages were sent (0 if nothing due)."""
    return advance(_load(page_id), now=now or timezone.now())


def advance(page: Page, *, now: datetime) -> int:
    """Advance ``page`` (as read by the caller: possibly stale, the claim re-checks)."""
    sent = 0
    while page.state in ACTIVE_PAGE_STATES and page.next_step_at and page.next_step_at <= now:
        if sync_with_ticket(page, now=now):
            break
        levels = chain()
        step = page.step
        if step >= len(levels):
            won = Page.objects.filter(pk=page.pk, step=step, state__in=ACTIVE_PAGE_STATES).update(
                state=PageState.UNANSWERED, next_step_at=None
            )
            if won:
                page.state, page.next_step_at = PageState.UNANSWERED, None
                logger.warning("page %s: nobody acknowledged", page.pk)
            break
        level = levels[step]
        technician = recipient(page, level)
        state = PageState.OPEN if level == PageLevel.PRIMARY else PageState.ESCALATED
        next_at = now + ack_delay() if technician else now
        won = Page.objects.filter(pk=page.pk, step=step, state__in=ACTIVE_PAGE_STATES).update(
            step=step + 1, level=level, state=state, next_step_at=next_at
        )
        if not won:  # another worker or sweeper claimed this step
            break
        page.step, page.level, page.state, page.next_step_at = step + 1, level, state, next_at
        if technician is None:
            PageAttempt.objects.create(
                page=page,
                at=now,
                step=step,
                level=level,
                channel="-",
                created_at=now,
                next_attempt_at=now,
                status=PageAttempt.Status.SKIPPED,
                last_error=Message("oncall.nobody_in_role"),
            )
            continue
        sent += deliver(page, technician, level=level, step=step, now=now)
        from ..tasks import schedule_advance

        schedule_advance(page.pk, countdown=ack_delay().total_seconds())
        break
    return sent


def deliver(page: Page, technician: Technician, *, level: int, step: int, now: datetime) -> int:
    """Send one step to one technician on every configured channel: one delivery row per
    channel (the log), each attempted at once; a failure is retried by its row. Returns how
    many messages went out now.

    Each row is written already claimed by this worker (as ``claim_due`` would leave it): a
    sweeper running meanwhile cannot take it, and if this worker dies its lease expires and the
    sweeper sends it."""
    message = build_message(page, technician, level=level, step=step)
    channels = {channel.name: channel for channel in configured_channels()}
    token, lease_end = uuid.uuid4().hex, now + policy().lease
    claimed = []
    for channel in channels.values():
        address = channel.address(technician)
        row = PageAttempt(
            page=page,
            at=now,
            created_at=now,
            step=step,
            level=level,
            channel=channel.name,
            technician=technician,
            recipient=address,
        )
        if address:
            row.status, row.attempts, row.claim = PageAttempt.Status.SENDING, 1, token
            row.claimed_at, row.next_attempt_at = now, lease_end
            claimed.append(row)
        else:
            row.status, row.next_attempt_at = PageAttempt.Status.SKIPPED, now
            row.last_error = Message("oncall.no_address")
        row.save(force_insert=True)  # one by one: readers (staff notices) hear of each row
    return sum(_attempt(row, channels[row.channel], message, now=now) for row in claimed)


def _attempt(row: PageAttempt, channel, message: PageMessage, *, now: datetime) -> bool:
    """One try of a claimed row; a retryable failure schedules the next one (never a sleep)."""
    result = channel.attempt(row.recipient, replace(message, idempotency_key=str(row.delivery_key)))
    if result.outcome == AttemptOutcome.SENT:
        return outbox.mark_sent(row, now=now)
    if result.outcome == AttemptOutcome.SKIPPED:
        outbox.mark_skipped(row, now=now, note=result.error)
        return False
    delay = outbox.mark_retry(
        row, policy=policy(), now=now, error=result.error, permanent=result.permanent
    )
    if delay is not None:
        from ..tasks import schedule_message_retry

        schedule_message_retry(row.pk, countdown=delay.total_seconds())
    return False


def message_retry(row: PageAttempt, *, now: datetime) -> bool:
    """Attempt a claimed row again (a retry, or a re-send after its worker died), unless the
    page no longer needs it: acknowledged, settled, or a later step already sent."""
    page = _load(row.page_id)
    channel = next((c for c in configured_channels() if c.name == row.channel), None)
    if page.state not in ACKNOWLEDGEABLE_STATES or page.step > row.step + 1:
        outbox.mark_skipped(row, now=now, note=Message("oncall.page_moved_on"))
        return False
    if channel is None or row.technician_id is None:
        outbox.mark_skipped(row, now=now, note=Message("oncall.channel_removed"))
        return False
    technician = Technician.objects.select_related("user").get(pk=row.technician_id)
    message = build_message(page, technician, level=row.level, step=row.step)
    return _attempt(row, channel, message, now=now)


def page_message_deliver(attempt_id: int, *, now: datetime | None = None) -> bool:
    """The Celery retry of one message: attempt it if it is due (claimed), else nothing."""
    now = now or timezone.now()
    rows = outbox.claim_due(PageAttempt, policy=policy(), now=now, ids=[attempt_id])
    return bool(rows) and message_retry(rows[0], now=now)


def deliver_due_messages(*, now: datetime) -> int:
    """Sweeper: every message due again (retry after its backoff, or lease expired)."""
    sent = 0
    while True:
        rows = outbox.claim_due(PageAttempt, policy=policy(), now=now, limit=20)
        if not rows:
            return sent
        sent += sum(message_retry(row, now=now) for row in rows)


def build_message(page: Page, technician: Technician, *, level: int, step: int) -> PageMessage:
    ticket = page.ticket
    context = {
        "page": page,
        "ticket": ticket,
        "technician": technician,
        "level": PageLevel(level),
        "repage": step > 0 and level == PageLevel.PRIMARY,
        "ack_url": ack_url(page.pk, technician.pk),
        "page_url": absolute(reverse("oncall:page_detail", args=[page.pk])),
        "deadline": timezone.localtime(page.intervention_deadline),
        "raised_at": timezone.localtime(page.raised_at),
    }
    return PageMessage(
        page_id=page.pk,
        ticket_reference=ticket.reference,
        level=level,
        step=step,
        subject=render_to_string("oncall/emails/page_subject.txt", context).strip(),
        text=render_to_string("oncall/emails/page_body.txt", context),
        short_text=" ".join(render_to_string("oncall/emails/page_short.txt", context).split()),
        html=render_to_string("oncall/emails/page_body.html", context),
        ack_url=context["ack_url"],
    )


# --- the ticket moved on its own ------------------------------------------------------------


def sync_with_ticket(page: Page, *, now: datetime) -> bool:
    """Settle a page whose ticket was taken in charge (acknowledged "via ticket"), closed or
    lowered below critical (cancelled: nobody is woken for it any more) without it. True when
    the page is settled."""
    if page.state not in ACKNOWLEDGEABLE_STATES:
        return True
    ticket = Ticket.objects.select_related("assignee__user").get(pk=page.ticket_id)
    taken = ticket.taken_in_charge_at
    if taken is not None:
        by = ticket.assignee.user if ticket.assignee else None
        Page.objects.filter(pk=page.pk, state__in=ACKNOWLEDGEABLE_STATES).update(
            state=PageState.ACKNOWLEDGED,
            ack_via=AckVia.TICKET,
            acknowledged_at=taken,
            acknowledged_by=by,
            next_step_at=None,
            intervention_at=taken,
            intervention_met=taken <= page.intervention_deadline,
        )
    elif ticket.state not in OPEN_STATES or ticket.urgency != Urgency.CRITICAL:
        Page.objects.filter(pk=page.pk, state__in=ACKNOWLEDGEABLE_STATES).update(
            state=PageState.CANCELLED, next_step_at=None
        )
    else:
        return False
    page.refresh_from_db()
    return True


def settle_pages(*, now: datetime) -> int:
    """Sweeper: settle every unacknowledged page whose ticket was taken in charge, closed or is
    no longer critical."""
    pages = Page.objects.filter(state__in=ACKNOWLEDGEABLE_STATES).exclude(
        ticket__taken_in_charge_at__isnull=True,
        ticket__state__in=OPEN_STATES,
        ticket__urgency=Urgency.CRITICAL,
    )
    return sum(sync_with_ticket(page, now=now) for page in pages)


def mark_missed(*, now: datetime) -> int:
    """Sweeper: an unacknowledged page past its deadline has missed the 1-hour commitment."""
    return (
        Page.objects.filter(
            intervention_met__isnull=True,
            intervention_deadline__lt=now,
            acknowledged_at__isnull=True,
        )
        .exclude(state=PageState.CANCELLED)
        .update(intervention_met=False)
    )


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic pass: raise missed pages and those of critical tickets still waiting when
    the desk closes, settle, run every due step, mark missed."""
    from ..triggers import raise_missed_pages, raise_pages_at_desk_closing

    now = now or timezone.now()
    raised = raise_missed_pages(now=now) + raise_pages_at_desk_closing(now=now)
    settled = settle_pages(now=now)
    due = Page.objects.filter(state__in=ACTIVE_PAGE_STATES, next_step_at__lte=now)
    sent = sum(page_advance(pk, now=now) for pk in due.values_list("pk", flat=True))
    # After the steps: a message a later step made pointless is skipped, not sent.
    resent = deliver_due_messages(now=now)
    missed = mark_missed(now=now)
    return {"raised": raised, "settled": settled, "sent": sent, "resent": resent, "missed": missed}


# --- acknowledgement -----------------------------------------------------------------------


class PageAckError(Exception):
    """The page can no longer be acknowledged (cancelled)."""


@dataclass(frozen=True)
class AckResult:
    page: Page
    acknowledged_now: bool  # False when it was already acknowledged (by anyone)


def page_acknowledge(*, page: Page, by, via: str, at: datetime | None = None) -> AckResult:
    """Acknowledge a page and take its ticket in charge as ``by`` (starting the intervention).

    Idempotent: acknowledging an acknowledged page changes nothing. The 1-hour commitment is met
    when the ticket was taken in charge (or, if it cannot be, acknowledged) by the deadline.
    """
    at = at or timezone.now()
    with transaction.atomic():
        won = Page.objects.filter(pk=page.pk, state__in=ACKNOWLEDGEABLE_STATES).update(
            state=PageState.ACKNOWLEDGED,
            acknowledged_at=at,
            acknowledged_by=by,
            ack_via=via,
            next_step_at=None,
        )
        if not won:
            page.refresh_from_db()
            if page.state == PageState.ACKNOWLEDGED:
                return AckResult(page, False)
            raise PageAckError(_("Cet appel d'astreinte est annulé : la demande est close."))
        ticket = Ticket.objects.get(pk=page.ticket_id)
        if ticket.state in NOT_TAKEN_STATES:
            try:
                ticket = ticket_take_in_charge(ticket=ticket, by=by, at=at, page=page)
            except TicketTransitionError:  # taken in charge meanwhile: the ack is enough
                ticket.refresh_from_db()
        started = ticket.taken_in_charge_at or at
        Page.objects.filter(pk=page.pk).update(
            intervention_at=started, intervention_met=started <= page.intervention_deadline
        )
    page.refresh_from_db()
    logger.info("page %s acknowledged by %s via %s", page.pk, by, via)
    return AckResult(page, True)
