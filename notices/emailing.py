"""E-mailing notices, driven by the rows: a notice is due while ``email_due_at`` is set and not
reached ``emailed_at``; the minute sweeper sends each recipient's due notices as one mail (one
notice: that notice; several — an hourly summary, or what piled up while away — a summary).

* At most once: a recipient's due rows are claimed by a conditional UPDATE (the row count says
  who won); a claim left by a worker that died mid-send is given up, never re-sent blindly.
* Retries reuse the notifications outbox's policy (exponential backoff, 5xx refusals are
  permanent, attempt budget) and keep the same Message-ID, so a server that did accept a mail
  whose answer was lost can drop the duplicate.
* Absence and shifts: nothing is mailed to a technician marked unavailable, nor outside their
  shift when they work in shifts (a shift within ``SHIFT_HORIZON`` days); their notices stay
  in-app and, if still unread, leave in one summary when they are back on duty.
* A notice read in the application before its mail leaves is not mailed.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications import outbox
from notifications.emails import message_id_domain
from shifts.models import ShiftAssignment
from shifts.selectors import on_duty
from staff.models import Technician

from . import wording
from .models import Notice

logger = logging.getLogger(__name__)

STUCK_AFTER = timedelta(minutes=15)
SHIFT_HORIZON = timedelta(days=7)
SUMMARY_LIMIT = 50  # notices listed in one mail; the page has the rest
BATCH = 200  # recipients per sweep


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    deferred: int = 0  # recipients off duty with mail due


def _waiting():
    return Notice.objects.filter(
        email_due_at__isnull=False, emailed_at__isnull=True, email_claim=""
    )


def deliver_due(now: datetime | None = None) -> Report:
    now = now or timezone.now()
    report = Report()
    Notice.objects.filter(emailed_at__isnull=True, email_claimed_at__lt=now - STUCK_AFTER).exclude(
        email_claim=""
    ).update(
        email_claim="",
        email_due_at=None,
        email_error="Interrupted while sending (worker stopped): not re-sent automatically.",
    )
    _waiting().filter(read_at__isnull=False).update(email_due_at=None)
    due = set(
        _waiting()
        .filter(email_due_at__lte=now)
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
    token = uuid.uuid4().hex
    won = (
        _waiting()
        .filter(recipient_id=user_id, email_due_at__lte=now, read_at__isnull=True)
        .update(email_claim=token, email_claimed_at=now)
    )
    if not won:
        return None
    claimed = Notice.objects.filter(email_claim=token, emailed_at__isnull=True)
    rows = list(claimed.select_related("recipient").order_by("-created_at", "-pk"))
    user = rows[0].recipient
    if not user.email or not user.is_active:
        claimed.update(email_claim="", email_due_at=None, email_error="no e-mail address")
        return None
    message_id = next((row.message_id for row in rows if row.message_id), "") or new_message_id()
    claimed.update(message_id=message_id)
    try:
        message = build(user, rows, message_id)
        sent = message.send(fail_silently=False)
        if not sent:
            raise RuntimeError("the mail backend accepted no message")
    except Exception as exc:
        _failed(claimed, rows, exc, now)
        return False
    claimed.update(emailed_at=timezone.now(), email_claim="", email_error="")
    return True


def _failed(claimed, rows, exc: Exception, now: datetime) -> None:
    attempts = max(row.email_attempts for row in rows) + 1
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if outbox._permanent(exc) or attempts >= outbox.max_attempts():
        claimed.update(
            email_claim="", email_due_at=None, email_attempts=attempts, email_error=error
        )
        logger.error("Notice mail to user %s failed for good: %s", rows[0].recipient_id, error)
        return
    claimed.update(
        email_claim="",
        email_due_at=now + outbox.backoff(attempts),
        email_attempts=attempts,
        email_error=error,
    )
    logger.warning("Notice mail to user %s will be retried: %s", rows[0].recipient_id, error)


def new_message_id() -> str:
    return f"<notice.{uuid.uuid4().hex}@{message_id_domain()}>"


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
