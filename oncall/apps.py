from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = _("Astreinte")

    def ready(self):
        from oceanis import delivery as outbox
        from tickets.signals import event_committed

        from . import checks  # noqa: F401 - registers the settings checks
        from .models import PageAttempt
        from .paging import policy
        from .tasks import on_ticket_event

        event_committed.connect(on_ticket_event, dispatch_uid="oncall.on_ticket_event")
        outbox.register(PageAttempt, policy())
