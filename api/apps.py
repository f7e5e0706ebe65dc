from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API REST")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from oceanis import delivery
        from tickets.models import TicketEvent
        from tickets.signals import event_committed

        from .models import WebhookDelivery
        from .receivers import on_event_committed
        from .services import webhooks

        # Rows in the event's transaction (nothing to lose), then a fast attempt after commit.
        post_save.connect(
            webhooks.on_event_saved, sender=TicketEvent, dispatch_uid="api.webhook_rows"
        )
        event_committed.connect(on_event_committed, dispatch_uid="api.webhooks_fan_out")
        delivery.register(WebhookDelivery, webhooks.policy())
