"""Ticket events → webhook fan-out, enqueued after commit (never sent from the request)."""

from .webhooks import RELEVANT_KINDS


def on_event_committed(sender, event, **kwargs) -> None:
    if event.kind not in RELEVANT_KINDS:
        return
    from .tasks import webhooks_fan_out

    webhooks_fan_out.delay(event.pk)
