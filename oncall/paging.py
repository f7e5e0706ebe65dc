"""Paging: send, re-page, escalate, acknowledge.

A page walks a chain of steps, one every ``ONCALL_ACK_MINUTES`` until acknowledged: the on-call
technician (then ``ONCALL_REPAGES`` re-pages of them), the backup, the escalation contact
(manager); past the last step the page is "unanswered" (still acknowledgeable). A level nobody
holds is logged as skipped and the chain moves on at once.

Each step is claimed by a conditional UPDATE on ``(pk, step, state)``: the row count says which
worker or sweeper won, so a step is sent at most once however many run. The claim also moves
``next_step_at`` forward before sending, so a worker dying mid-send delays nothing but that
message. Celery runs the next step on time (``countdown``) and the beat sweeper catches anything
a lost message or a restarted worker missed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.policy import Urgency
from staff.models import Technician
from tickets.models import NOT_TAKEN_STATES, OPEN_STATES, Ticket
from tickets.services import TicketTransitionError, ticket_take_in_charge

from .channels import PageMessage, configured_channels
from .links import absolute, ack_url
from .models import (
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
                outcome=AttemptOutcome.SKIPPED,
                error=_("Personne n'occupe ce rôle : étape suivante."),
            )
            continue
        sent += deliver(page, technician, level=level, step=step, now=now)
        from .tasks import schedule_advance

        schedule_advance(page.pk, countdown=ack_delay().total_seconds())
        break
    return sent


def deliver(page: Page, technician: Technician, *, level: int, step: int, now: datetime) -> int:
    """Send one step to one technician on every configured channel; log each attempt."""
    message = build_message(page, technician, level=level, step=step)
    sent = 0
    for channel in configured_channels():
        delivery = channel.deliver(technician, message)
        PageAttempt.objects.create(
            page=page,
            at=now,
            step=step,
            level=level,
            channel=channel.name,
            technician=technician,
            recipient=delivery.recipient,
            outcome=delivery.outcome,
            tries=delivery.tries,
            error=delivery.error[:2000],
        )
        sent += delivery.outcome == AttemptOutcome.SENT
    return sent


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
    from .triggers import raise_missed_pages, raise_pages_at_desk_closing

    now = now or timezone.now()
    raised = raise_missed_pages(now=now) + raise_pages_at_desk_closing(now=now)
    settled = settle_pages(now=now)
    due = Page.objects.filter(state__in=ACTIVE_PAGE_STATES, next_step_at__lte=now)
    sent = sum(page_advance(pk, now=now) for pk in due.values_list("pk", flat=True))
    missed = mark_missed(now=now)
    return {"raised": raised, "settled": settled, "sent": sent, "missed": missed}


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
