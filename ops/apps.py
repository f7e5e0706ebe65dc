from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = _("Exploitation")

    def ready(self):
        from . import signals  # noqa: F401 - connects the task id to log lines
