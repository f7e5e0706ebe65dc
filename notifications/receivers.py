"""Reaction to committed ticket events: queue the planning task, never fail the caller."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def on_event_committed(sender, event, **kwargs) -> None:
    """Queue ``plan_event`` for the event (the sender already waited for the commit).

    A broker outage or a bug must not turn a committed ticket change into an error page: the
    failure is logged and the sweeper plans the event within a minute.
    """
    from .tasks import plan_event

    try:
        plan_event.delay(event.pk)
    except Exception:
        logger.exception("Could not queue notifications for ticket event %s", event.pk)
