from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API REST")

    def ready(self) -> None:
        from tickets.signals import event_committed

        from .receivers import on_event_committed

        event_committed.connect(on_event_committed, dispatch_uid="api.webhooks_fan_out")
