from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    name = "oncall"
    verbose_name = _("Astreinte")

    def ready(self):
        from calendars import registry
        from oceanis import delivery as outbox
        from sla.policy import set_coverage_provider
        from tickets.signals import event_committed

        from . import (
            checks,  # noqa: F401 - registers the settings checks
            coverage,
        )
        from .models import PageAttempt
        from .services.paging import policy
        from .tasks import on_ticket_event

        # Contracts' on-call plans: loaded with the calendars, read by the GTI rule.
        registry.set_plan_loader(coverage.load)
        set_coverage_provider(registry.coverage)
        event_committed.connect(on_ticket_event, dispatch_uid="oncall.on_ticket_event")
        outbox.register(PageAttempt, policy())
