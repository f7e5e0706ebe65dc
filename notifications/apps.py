from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications et mails")

    def ready(self) -> None:
        from oceanis import delivery
        from tickets.signals import event_committed

        from .models import Notification
        from .receivers import on_event_committed
        from .services import outbox

        event_committed.connect(on_event_committed, dispatch_uid="notifications.plan_event")
        delivery.register(Notification, outbox.policy())
