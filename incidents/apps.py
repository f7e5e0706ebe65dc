from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Incidents majeurs")

    def ready(self) -> None:
        from oceanis import delivery as outbox

        from . import delivery
        from .models import IncidentMessageDelivery

        outbox.register(IncidentMessageDelivery, delivery.policy())
