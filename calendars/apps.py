from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    name = "calendars"
    verbose_name = _("Calendriers")

    def ready(self):
        from sla.policy import set_calendar_provider

        from .registry import calendar

        # From now on every GTI calendar carries the centre's closures and re-openings.
        set_calendar_provider(calendar)
