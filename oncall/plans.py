"""On-call coverage plans: the weekly ranges a contract subscribes to for out-of-hours cover.

A plan is weekly windows (local wall-clock, several per day) plus whether public holidays are
covered, and which urgencies page out of hours (default: critical and very blocking). A contract
subscribes through ``ContractCoverage`` (kept in this app: the ``clients`` schema is not ours).
The GTI of the paging urgencies counts on the subscribed hours plus the plan's windows
(``calendars.registry``); out of every window nothing pages and the clock waits.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from sla.policy import DEFAULT_PAGING_URGENCIES, Urgency

from .models import Weekday


def default_paging_urgencies() -> list[str]:
    return sorted(str(u) for u in DEFAULT_PAGING_URGENCIES)


def validate_urgencies(value) -> None:
    if not isinstance(value, list) or not value or not set(value) <= set(Urgency.values):
        raise ValidationError(_("Choisissez au moins une urgence parmi les urgences connues."))


class CoveragePlan(models.Model):
    name = models.CharField(_("nom"), max_length=100, unique=True)
    holidays_included = models.BooleanField(
        _("jours fériés couverts"),
        default=False,
        help_text=_("Les plages de la semaine s'appliquent aussi les jours fériés."),
    )
    paging_urgencies = models.JSONField(
        _("urgences qui déclenchent l'astreinte"),
        default=default_paging_urgencies,
        validators=[validate_urgencies],
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name = _("plan d'astreinte")
        verbose_name_plural = _("plans d'astreinte")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_paging_urgencies_display(self) -> str:
        return ", ".join(str(Urgency(u).label) for u in self.paging_urgencies)


class CoverageWindow(models.Model):
    """One range of a plan's week; an end at 00:00 means midnight (end of that day)."""

    plan = models.ForeignKey(CoveragePlan, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("jour"), choices=Weekday)
    start_time = models.TimeField(_("de"))
    end_time = models.TimeField(_("à"), help_text=_("00:00 : jusqu'à minuit."))

    class Meta:
        verbose_name = _("plage d'astreinte")
        verbose_name_plural = _("plages d'astreinte")
        ordering = ["plan", "weekday", "start_time"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def minutes(self) -> tuple[int, int]:
        end = self.end_time.hour * 60 + self.end_time.minute
        return self.start_time.hour * 60 + self.start_time.minute, end or 24 * 60

    def clean(self) -> None:
        if self.start_time is not None and self.end_time is not None:
            start, end = self.minutes
            if end <= start:
                raise ValidationError(
                    {"end_time": _("La fin doit suivre le début (00:00 : minuit).")}
                )


class ContractCoverage(models.Model):
    """The on-call plan a contract subscribed to (none: the 24x7 hours plan or no on-call)."""

    contract = models.OneToOneField(
        "clients.Contract",
        on_delete=models.CASCADE,
        related_name="oncall_coverage",
        verbose_name=_("contrat"),
    )
    plan = models.ForeignKey(
        CoveragePlan,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("plan d'astreinte"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name = _("astreinte souscrite")
        verbose_name_plural = _("astreintes souscrites")

    def __str__(self) -> str:
        return f"{self.contract} → {self.plan}"
