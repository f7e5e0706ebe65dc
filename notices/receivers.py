"""Reactions to committed changes: queue the derivation, never fail the caller.

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
    from .tasks import derive_event_notices

    _queue(derive_event_notices, event.pk)


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
