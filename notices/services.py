"""The only write path for notices: creating them (idempotently), reading them, preferences."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from oceanis.delivery import DeliveryStatus

from .models import Delivery, Notice, NoticeMail, NoticePreference


@dataclass
class Draft:
    """A notice about to be written for one recipient."""

    recipient_id: int
    kind: str
    source: str
    url: str = ""
    ticket_id: int | None = None
    event_id: int | None = None
    actor_id: int | None = None
    params: dict = field(default_factory=dict)


def default_delivery() -> str:
    return settings.NOTICES_DEFAULT_DELIVERY


def delivery_of(user_ids) -> dict[int, str]:
    """Each user's delivery preference (the default for users without a row), one query."""
    chosen = dict(
        NoticePreference.objects.filter(user_id__in=list(user_ids)).values_list(
            "user_id", "delivery"
        )
    )
    return {pk: chosen.get(pk, default_delivery()) for pk in user_ids}


def next_hour(at: datetime) -> datetime:
    """The next full hour: all of an hour's notices leave in one summary."""
    return at.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def email_due(delivery: str, at: datetime) -> datetime | None:
    if delivery == Delivery.IMMEDIATE:
        return at
    if delivery == Delivery.HOURLY:
        return next_hour(at)
    return None


# Older sources (backdated history, demo data, a sweeper catching up on a long outage) are
# shown under the bell but never mailed: a mail about a day-old event is noise.
STALE_FOR_EMAIL = timedelta(hours=24)


def notices_create(*, drafts: list[Draft], at: datetime | None = None) -> int:
    """Write the drafts; a (recipient, kind, source) already notified is left alone, so deriving
    a source twice never notifies twice. ``at``: when the source happened (default now).
    Returns how many drafts were offered."""
    if not drafts:
        return 0
    now = timezone.now()
    at = at or now
    deliveries = delivery_of({d.recipient_id for d in drafts})
    if at < now - STALE_FOR_EMAIL:
        deliveries = dict.fromkeys(deliveries, Delivery.IN_APP)
    Notice.objects.bulk_create(
        [
            Notice(
                recipient_id=d.recipient_id,
                kind=d.kind,
                source=d.source,
                url=d.url,
                ticket_id=d.ticket_id,
                event_id=d.event_id,
                actor_id=d.actor_id,
                params=d.params,
                created_at=at,
                email_due_at=email_due(deliveries[d.recipient_id], at),
            )
            for d in drafts
        ],
        ignore_conflicts=True,
    )
    return len(drafts)


def notice_mark_read(*, notice: Notice, at: datetime | None = None) -> Notice:
    """Read: it leaves the unread count, and an e-mail not yet sent is no longer needed."""
    at = at or timezone.now()
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=at)
        notice.read_at = at
    return notice


def notices_mark_all_read(*, user, at: datetime | None = None) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=at or timezone.now()
    )


def notice_preference_set(*, user, delivery: str, at: datetime | None = None) -> NoticePreference:
    """Change how the user is told; notices still waiting for their e-mail follow the new
    choice (none with in-app only, the next full hour with the hourly summary). Notices made
    while the user chose in-app only are never mailed afterwards."""
    delivery = Delivery(delivery)
    at = at or timezone.now()
    with transaction.atomic():
        preference, _created = NoticePreference.objects.update_or_create(
            user=user, defaults={"delivery": delivery}
        )
        due = email_due(delivery, at)
        Notice.objects.filter(recipient=user, email_due_at__isnull=False, mail__isnull=True).update(
            email_due_at=due
        )
        # Mails already due but waiting (recipient away, or a retry): a claimed one is left to
        # its worker.
        waiting = NoticeMail.objects.filter(recipient=user, status=DeliveryStatus.PENDING)
        if due is None:
            waiting.update(status=DeliveryStatus.SKIPPED, last_error="in-app only")
        else:
            waiting.update(next_attempt_at=due)
    return preference
