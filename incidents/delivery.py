"""Sending the emails of incident communications, with retries.

Each delivery row is claimed with a conditional update (pending → sending) whose row count says
who won, so a task and the sweeper running together never send the same mail twice. A failure
goes back to pending with an exponential backoff until ``MAX_ATTEMPTS``, then stays failed with
its last error for staff to see on the incident page.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from .models import IncidentMessageDelivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(minutes=1)
# A row left "sending" this long was claimed by a worker that died: it is retried.
STALE_CLAIM = timedelta(minutes=10)

Status = IncidentMessageDelivery.Status


def _due(now: datetime, message_id: int | None):
    qs = IncidentMessageDelivery.objects.filter(
        Q(status=Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    )
    if message_id is not None:
        qs = qs.filter(message_id=message_id)
    return list(qs.order_by("pk").values_list("pk", "status"))


def deliver_due(*, now: datetime | None = None, message_id: int | None = None) -> int:
    """Send every due delivery (of one message, or all); returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    connection = None
    for pk, status in _due(now, message_id):
        still_due = (
            Q(status=Status.PENDING)
            if status == Status.PENDING
            else Q(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        claimed = IncidentMessageDelivery.objects.filter(still_due, pk=pk).update(
            status=Status.SENDING, claimed_at=now
        )
        if not claimed:
            continue  # another worker won the claim
        delivery = IncidentMessageDelivery.objects.select_related("message__incident").get(pk=pk)
        connection = connection or get_connection()
        try:
            _send(delivery, connection)
        except Exception as exc:  # any transport error: keep the row and retry later
            log.warning("incident mail to %s failed: %s", delivery.recipient, exc)
            _failed(delivery, exc, now)
        else:
            IncidentMessageDelivery.objects.filter(pk=pk).update(
                status=Status.SENT, sent_at=timezone.now(), attempts=delivery.attempts + 1
            )
            sent += 1
    return sent


def _send(delivery: IncidentMessageDelivery, connection) -> None:
    message = delivery.message
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],  # one mail per address: clients never see each other
        connection=connection,
        headers={
            "Auto-Submitted": "auto-generated",
            "X-Oceanis-Incident": message.incident.reference,
        },
    )
    email.send(fail_silently=False)


def _failed(delivery: IncidentMessageDelivery, exc: Exception, now: datetime) -> None:
    attempts = delivery.attempts + 1
    final = attempts >= MAX_ATTEMPTS
    IncidentMessageDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.FAILED if final else Status.PENDING,
        attempts=attempts,
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
        next_attempt_at=now + RETRY_BASE * (2 ** (attempts - 1)),
    )
