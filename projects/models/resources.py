"""Engineer time: bookings on projects and absences (see ``projects.capacity``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .project import Project


class Half(models.TextChoices):
    AM = "am", _("Matin")
    PM = "pm", _("Après-midi")
    DAY = "day", _("Journée")


HALF_DAYS = {Half.AM: 1, Half.PM: 1, Half.DAY: 2}


class Booking(models.Model):
    """An engineer reserved on a project for a half-day or a full day."""

    engineer = models.ForeignKey(
        "staff.Technician",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("ingénieur"),
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="bookings")
    date = models.DateField(_("date"))
    half = models.CharField(_("créneau"), max_length=3, choices=Half, default=Half.DAY)
    forced = models.BooleanField(_("surréservation forcée"), default=False)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["date", "half", "pk"]
        indexes = [models.Index(fields=["engineer", "date"])]
        constraints = [
            models.UniqueConstraint(
                fields=["engineer", "project", "date", "half"], name="booking_unique_slot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.engineer_id} {self.date} {self.half}"

    @property
    def half_days(self) -> int:
        return HALF_DAYS[self.half]


class Absence(models.Model):
    """An engineer's leave or training: those half-days are not bookable."""

    class Reason(models.TextChoices):
        LEAVE = "leave", _("Congés")
        TRAINING = "training", _("Formation")
        RECOVERY = "recovery", _("Récupération")
        OTHER = "other", _("Autre absence")

    technician = models.ForeignKey(
        "staff.Technician",
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("technicien"),
    )
    start = models.DateField(_("du"))
    end = models.DateField(_("au (inclus)"))
    start_pm = models.BooleanField(_("à partir de l'après-midi"), default=False)
    end_am = models.BooleanField(_("jusqu'à midi"), default=False)
    reason = models.CharField(_("motif"), max_length=16, choices=Reason, default=Reason.LEAVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["start", "pk"]
        indexes = [models.Index(fields=["technician", "start", "end"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="absence_end_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.technician_id} {self.start}–{self.end}"

    def clean(self) -> None:
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("La fin de l'absence précède son début.")})
        if self.start == self.end and self.start_pm and self.end_am:
            raise ValidationError(
                _("Une absence d'un jour ne peut pas commencer l'après-midi et finir à midi.")
            )
