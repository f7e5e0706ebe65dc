"""Sending the emails of incident communications, on the delivery primitive.

Rows are claimed with a lease (``oceanis.delivery.claim_due``), so a task and the sweeper
running together never send the same mail twice, and a mail whose worker died mid-send is sent
again once the lease ends, with the same Message-ID (built from the row's ``delivery_key``) so
the recipient's mail client drops the copy. A failure goes back to pending with an exponential
backoff until ``INCIDENT_MAIL_MAX_ATTEMPTS``, then stays failed (dead letter) with its last
error for staff to see on the incident page.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from oceanis import delivery as outbox

from .models import IncidentMessage, IncidentMessageDelivery

log = logging.getLogger(__name__)

BACKOFF_CAP = timedelta(hours=1)
# The incident page counts sent and failed mails of every communication: its history is kept.
KEEP = timedelta(days=36500)
BATCH = 50


def policy() -> outbox.DeliveryPolicy:
    """Read at each use: settings changed at run time (tests) apply at once."""
    return outbox.DeliveryPolicy(
        channel="incident_mail",
        lease=timedelta(seconds=settings.INCIDENT_MAIL_LEASE_SECONDS),
        backoff_base=timedelta(seconds=settings.INCIDENT_MAIL_RETRY_BASE_SECONDS),
        backoff_cap=BACKOFF_CAP,
        max_attempts=settings.INCIDENT_MAIL_MAX_ATTEMPTS,
        retention=KEEP,
    )


def deliver_due(*, now: datetime | None = None, message_id: int | None = None) -> int:
    """Send every due delivery (of one message, or all); returns how many were sent.

    Due: pending and due, or claimed by a worker whose lease has expired."""
    now = now or timezone.now()
    filters = Q(message_id=message_id) if message_id is not None else None
    current = policy()
    sent = 0
    connection = None
    while True:
        rows = outbox.claim_due(
            IncidentMessageDelivery, policy=current, now=now, limit=BATCH, filters=filters
        )
        if not rows:
            return sent
        messages = IncidentMessage.objects.select_related("incident").in_bulk(
            {row.message_id for row in rows}
        )
        connection = connection or get_connection()
        for row in rows:
            row.message = messages[row.message_id]
            try:
                _send(row, connection)
            except Exception as exc:  # any transport error: keep the row and retry later
                log.warning("incident mail to %s failed: %s", row.recipient, exc)
                outbox.mark_retry(
                    row, policy=current, now=now, error=f"{type(exc).__name__}: {exc}"
                )
            else:
                sent += outbox.mark_sent(row, now=timezone.now())


def message_id(row: IncidentMessageDelivery) -> str:
    return outbox.message_id(f"incident.{row.delivery_key.hex}")


def _send(row: IncidentMessageDelivery, connection) -> None:
    message = row.message
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],  # one mail per address: clients never see each other
        connection=connection,
        headers={
            "Auto-Submitted": "auto-generated",
            "Message-ID": message_id(row),
            "X-Oceanis-Incident": message.incident.reference,
        },
    )
    email.send(fail_silently=False)
