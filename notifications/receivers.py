"""Reaction to committed ticket events: plan their mails, never fail the caller."""

from __future__ import annotations


def on_event_committed(sender, event, **kwargs) -> None:
    """Plan the event's mails within the ``announce_event`` task that told us (the sender
    already waited for the commit): a task of its own per event and reader was one more broker
    round trip and Celery dispatch for every ticket. The mails still leave in their own
    ``deliver`` tasks, after the grouping window.

    A bug here is logged by the sender (``notify_readers``) without stopping the other readers,
    and the sweeper plans the event within a minute: it has no dispatch mark.
    """
    from .tasks import plan_and_schedule

    plan_and_schedule(event.pk)
