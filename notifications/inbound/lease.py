"""Who processes an inbound message: a worker claims it with one conditional UPDATE stamping
``processing_started_at``; a message still ``processing`` a lease later was interrupted (worker
killed, deploy, OOM) and may be claimed again. The claim instant is the fencing token: a worker
records its outcome only while the row still carries its own claim."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import InboundMessage

Status = InboundMessage.Status
# What "Retraiter" may take again besides interrupted messages.
REPROCESSABLE = (Status.RECEIVED, Status.TRIAGE, Status.FAILED)


class LeaseLost(Exception):
    """Another worker claimed the message after this one's lease expired: this outcome must not
    commit (theirs will)."""


def reclaimable(now: datetime | None = None) -> Q:
    """Messages a worker may claim: never processed, triaged or failed, or left ``processing``
    past the lease (a row from before leases has no stamp: it is past any lease)."""
    now = now or timezone.now()
    expired = now - timedelta(seconds=settings.INBOUND_PROCESSING_LEASE_SECONDS)
    return Q(status__in=REPROCESSABLE) | Q(
        Q(processing_started_at__isnull=True) | Q(processing_started_at__lt=expired),
        status=Status.PROCESSING,
    )


def claim(message: InboundMessage) -> datetime | None:
    """Of two workers claiming at once, only one sees a row updated. Returns the claim instant,
    or None when the message is done or held under a live lease."""
    now = timezone.now()
    won = InboundMessage.objects.filter(reclaimable(now), pk=message.pk).update(
        status=Status.PROCESSING, error="", processing_started_at=now
    )
    return now if won else None


def record(message: InboundMessage, claimed_at: datetime, **fields) -> None:
    """Write the outcome's fields if this worker's claim still holds, else raise LeaseLost (in
    the processing transaction, so that the outcome rolls back with it)."""
    held = InboundMessage.objects.filter(
        pk=message.pk, status=Status.PROCESSING, processing_started_at=claimed_at
    ).update(**fields)
    if not held:
        raise LeaseLost(message.pk)
    for name, value in fields.items():
        setattr(message, name, value)
