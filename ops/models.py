"""What the operator's view needs stored: the last heartbeat of the background jobs."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """One row per heartbeat name, overwritten each time: its age is what the metrics expose.

    A database row rather than the cache: the default cache is per process, and the web
    processes that answer ``/metrics`` are never the worker that wrote the beat.
    """

    name = models.CharField(_("nom"), max_length=64, unique=True)
    at = models.DateTimeField(_("le"), default=timezone.now)
    host = models.CharField(_("hôte"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("battement")
        verbose_name_plural = _("battements")

    def __str__(self) -> str:
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S} {self.host}"
