"""Committed ticket events → a fast first attempt of their webhook deliveries (never sent from
the request). The rows themselves were written with the event
(``services.webhooks.on_event_saved``)."""

from .services.webhooks import RELEVANT_KINDS


def on_event_committed(sender, event, **kwargs) -> None:
    """Fanned out within the ``announce_event`` task that told us (no task of its own: one
    broker round trip less per event); each delivery attempt stays a task, as an HTTP call must
    not hold the other readers. A failure is logged by the sender; the rows are due, so the
    sweeper sends them."""
    if event.kind not in RELEVANT_KINDS:
        return
    from .tasks import fan_out

    fan_out(event.pk)
