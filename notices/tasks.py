"""Celery tasks: thin wrappers; the database is the source of truth, so a lost or duplicated
message only delays or does nothing."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from oceanis import delivery

from . import derivation, emailing, sources, sweeper
from .models import NoticeMail


@shared_task(acks_late=True)
def derive_event_notices(event_id: int) -> int:
    """No longer queued (the receiver derives inside ``announce_event``); kept registered so
    that messages queued before an upgrade are still consumed."""
    return derivation.derive_event(event_id)


@shared_task(acks_late=True)
def derive_page_notices(page_id: int) -> int:
    return sources.derive_page(page_id)


@shared_task(acks_late=True)
def derive_incident_notices(incident_id: int) -> int:
    return sources.derive_incident(incident_id)


@shared_task(acks_late=True)
def derive_incident_message_notices(message_id: int) -> int:
    return sources.derive_incident_message(message_id)


@shared_task
def sweep_notices() -> dict:
    """Every minute: derive what a lost message missed, then mail what is due."""
    derived = sweeper.sweep()
    mailed = emailing.deliver_due()
    return {**derived, "mailed": mailed.sent, "failed": mailed.failed, "away": mailed.deferred}


@shared_task
def purge_notice_mails() -> int:
    """Daily: delete sent, failed and skipped notice mails older than the mail retention."""
    return delivery.purge(NoticeMail, policy=emailing.policy(), now=timezone.now())
