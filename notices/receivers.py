"""Reactions to committed changes: derive (ticket events) or queue the derivation, never fail
the caller.

A broker outage or a bug must not turn a committed change into an error page: the failure is
logged and the sweeper derives what was missed within a minute.
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def _queue(task, pk: int) -> None:
    try:
        task.delay(pk)
    except Exception:
        logger.exception("Could not queue %s(%s); the notices sweeper will", task.name, pk)


def on_event_committed(sender, event, **kwargs) -> None:
    """Derived within the ``announce_event`` task that told us, not in a task of its own (one
    broker round trip and Celery dispatch less per event). A failure is logged by the sender
    (``notify_readers``); the event has no ``DerivedEvent`` mark, so the sweeper derives it."""
    from .derivation import derive_event

    derive_event(event.pk)


def on_page_attempt(sender, instance, created, **kwargs) -> None:
    """A technician was paged: told in-app too (after the attempt is committed)."""
    if not created or not instance.technician_id:
        return
    from .tasks import derive_page_notices

    page_id = instance.page_id
    transaction.on_commit(lambda: _queue(derive_page_notices, page_id))


def on_incident_change(sender, instance, created, **kwargs) -> None:
    if not created:
        return
    from incidents.models import IncidentMessage

    from . import tasks

    if isinstance(instance, IncidentMessage):
        task, pk = tasks.derive_incident_message_notices, instance.pk
    else:  # the incident itself, or a ticket linked to it
        task, pk = tasks.derive_incident_notices, getattr(instance, "incident_id", instance.pk)
    transaction.on_commit(lambda: _queue(task, pk))
