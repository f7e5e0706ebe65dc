"""Committed ticket events → a fast first attempt of their webhook deliveries (never sent from
the request). The rows themselves were written with the event
(``services.webhooks.on_event_saved``)."""

from .services.webhooks import RELEVANT_KINDS


def on_event_committed(sender, event, **kwargs) -> None:
    if event.kind not in RELEVANT_KINDS:
        return
    from .tasks import webhooks_fan_out

    webhooks_fan_out.delay(event.pk)
