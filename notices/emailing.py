"""E-mailing notices on the shared delivery primitive (``oceanis.delivery``).

A notice's mail is planned on the notice (``email_due_at``, per the preference); once due it
becomes a ``NoticeMail`` row, and the minute sweeper sends each recipient's due rows as one mail
(one notice: that notice; several — an hourly summary, or what piled up while away — a summary).

* At least once, never twice in the mailbox: the rows of one mail store its Message-ID before
  the first attempt and keep it on every retry; a mail left "sending" by a worker that died
  mid-send is sent again, with that Message-ID, once the lease has passed. Claims are exclusive:
  two live workers never send the same row.
* Retries follow the mail policy (``NOTIFICATIONS_*``: jittered exponential backoff, 5xx refusals
  are permanent, attempt budget, then a dead letter the admin can « Renvoyer maintenant »).
* Absence and shifts: nothing is mailed to a technician marked unavailable, nor outside their
  shift when they work in shifts (a shift within ``SHIFT_HORIZON`` days); their notices stay
  in-app and, if still unread, leave in one summary when they are back on duty.
* A notice read in the application before its mail leaves is not mailed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.services import outbox
from oceanis import delivery
from oceanis.delivery import DeliveryPolicy, DeliveryStatus, message_id
from shifts.models import ShiftAssignment
from shifts.selectors import on_duty
from staff.models import Technician

from . import wording
from .models import Notice, NoticeMail

logger = logging.getLogger(__name__)

SHIFT_HORIZON = timedelta(days=7)
SUMMARY_LIMIT = 50  # notices listed in one mail; the page has the rest
BATCH = 200  # recipients per sweep
ROWS_PER_MAIL = 500  # claimed at once for one recipient; the rest leave in the next mail


def policy() -> DeliveryPolicy:
    """The mail policy of the client mails, under its own channel label."""
    return replace(outbox.policy(), channel="notice_mail")


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # recipients off duty with mail due


def plan_due(now: datetime, user_id: int | None = None) -> int:
    """Turn the notices whose mail is due (and still unread) into delivery rows, once each."""
    due = Notice.objects.filter(
        email_due_at__lte=now, read_at__isnull=True, mail__isnull=True
    ).order_by()
    if user_id is not None:
        due = due.filter(recipient_id=user_id)
    rows = [
        NoticeMail(notice_id=pk, recipient_id=recipient, next_attempt_at=at, created_at=now)
        for pk, recipient, at in due.values_list("pk", "recipient_id", "email_due_at")[:5000]
    ]
    NoticeMail.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _skip_read(user_id: int | None = None) -> None:
    """A notice read before its mail left needs no mail (a claimed one is left to its worker)."""
    read = NoticeMail.objects.filter(status=DeliveryStatus.PENDING, notice__read_at__isnull=False)
    if user_id is not None:
        read = read.filter(recipient_id=user_id)
    read.update(status=DeliveryStatus.SKIPPED, last_error="read in the application")


def deliver_due(now: datetime | None = None) -> Report:
    now = now or timezone.now()
    report = Report()
    plan_due(now)
    _skip_read()
    due = set(
        NoticeMail.objects.filter(delivery.due(now))
        .order_by()
        .values_list("recipient_id", flat=True)
        .distinct()[:BATCH]
    )
    away = off_duty(due, now)
    report.deferred = len(away)
    for user_id in sorted(due - away):
        outcome = deliver_to(user_id, now)
        report.sent += outcome is True
        report.failed += outcome is False
    return report


def off_duty(user_ids, now: datetime) -> set[int]:
    """Of these users, those who must not be mailed now: absent, or off shift while working in
    shifts. Users without a shift planned around now (RUN, BUILD, managers) are on duty."""
    if not user_ids:
        return set()
    technicians = {
        t.pk: t
        for t in Technician.objects.filter(user_id__in=list(user_ids)).only(
            "pk", "user_id", "available"
        )
    }
    away = {t.user_id for t in technicians.values() if not t.available}
    today = timezone.localdate(now)
    horizon = SHIFT_HORIZON.days
    in_shifts = set(
        ShiftAssignment.objects.filter(
            technician_id__in=list(technicians),
            day__gte=today - timedelta(days=horizon),
            day__lte=today + timedelta(days=horizon),
        ).values_list("technician_id", flat=True)
    )
    if in_shifts:
        working = {a.technician_id for a in on_duty(now)}
        away |= {technicians[pk].user_id for pk in in_shifts - working}
    return away


def deliver_to(user_id: int, now: datetime) -> bool | None:
    """Send one recipient's due notices; True sent, False failed, None nothing to send."""
    plan_due(now, user_id)
    _skip_read(user_id)
    rows = delivery.claim_due(
        NoticeMail.objects.select_related("notice", "recipient"),
        policy=policy(),
        now=now,
        filters=Q(recipient_id=user_id, notice__read_at__isnull=True),
        limit=ROWS_PER_MAIL,
    )
    if not rows:
        return None
    user = rows[0].recipient
    if not user.email or not user.is_active:
        delivery.mark_skipped(rows, now=now, note="no e-mail address")
        return None
    results = [_send(user, mail, now) for mail in _mails(rows)]
    return all(results)


def _mails(rows: list[NoticeMail]) -> list[list[NoticeMail]]:
    """Rows already attempted go again as the same mail (same Message-ID); the others together
    as one new mail."""
    mails: dict[str, list[NoticeMail]] = {}
    for row in rows:
        mails.setdefault(row.message_id, []).append(row)
    return list(mails.values())


def _send(user, rows: list[NoticeMail], now: datetime) -> bool:
    message_id = rows[0].message_id or new_message_id()
    claimed = NoticeMail.objects.filter(
        pk__in=[row.pk for row in rows], claim=rows[0].claim, status=DeliveryStatus.SENDING
    )
    if not claimed.update(message_id=message_id):  # stored before the first attempt
        return False
    notices = sorted((row.notice for row in rows), key=lambda n: (n.created_at, n.pk), reverse=True)
    try:
        message = build(user, notices, message_id)
        if not message.send(fail_silently=False):
            raise RuntimeError("the mail backend accepted no message")
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        delay = delivery.mark_retry(
            rows, policy=policy(), now=now, error=error, permanent=outbox._permanent(exc)
        )
        if delay is None:
            logger.error("Notice mail to user %s failed for good: %s", user.pk, error)
        else:
            logger.warning(
                "Notice mail to user %s will be retried in %s: %s", user.pk, delay, error
            )
        return False
    return delivery.mark_sent(rows, now=timezone.now(), message_id=message_id)


def new_message_id() -> str:
    return message_id(f"notice.{uuid.uuid4().hex}")


def absolute(path: str) -> str:
    return settings.OCEANIS_BASE_URL.rstrip("/") + path


def build(user, rows: list[Notice], message_id: str) -> EmailMultiAlternatives:
    with translation.override(settings.LANGUAGE_CODE):
        items = [
            {
                "title": wording.title(row),
                "text": wording.text(row),
                "at": timezone.localtime(row.created_at),
                "url": absolute(reverse("notices:open", args=[row.pk])),
            }
            for row in rows[:SUMMARY_LIMIT]
        ]
        context = {
            "user": user,
            "items": items,
            "more": max(len(rows) - SUMMARY_LIMIT, 0),
            "page_url": absolute(reverse("notices:list")),
        }
        if len(rows) == 1:
            subject = items[0]["title"]
        else:
            subject = _("%(count)s notifications Oceanis") % {"count": len(rows)}
        text = render_to_string("notices/email/notices.txt", context)
        html = render_to_string("notices/email/notices.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:250],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "Message-ID": message_id,
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
