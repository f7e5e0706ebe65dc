from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notifications des intervenants")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from incidents.models import IncidentMessage, IncidentTicket, MajorIncident
        from oceanis import delivery
        from oncall.models import PageAttempt
        from tickets.signals import event_committed

        from . import emailing, receivers
        from .models import NoticeMail

        delivery.register(NoticeMail, emailing.policy())

        event_committed.connect(receivers.on_event_committed, dispatch_uid="notices.event")
        # On-call and incidents have no signal of their own: their rows are the source.
        post_save.connect(
            receivers.on_page_attempt, sender=PageAttempt, dispatch_uid="notices.page"
        )
        for model in (MajorIncident, IncidentTicket, IncidentMessage):
            post_save.connect(
                receivers.on_incident_change, sender=model, dispatch_uid=f"notices.{model.__name__}"
            )
