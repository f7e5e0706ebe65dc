from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "search"
    verbose_name = _("Recherche")

    def ready(self):
        from . import receivers  # noqa: F401 - keeps the search documents in step with writes
