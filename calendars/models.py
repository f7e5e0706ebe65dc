"""The centre's calendar exceptions (exceptional closures, re-openings, special hours) and the
append-only log of every change to them and to the on-call coverage plans.

An exception is never edited in place: withdrawing it stamps ``withdrawn_at``, so the calendar in
force at any past instant can be rebuilt (a ticket keeps the calendar its deadline was computed
on; ``calendars.registry``)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from oceanis.models import AppendOnlyModel
from sla.policy import HoursPlan


class ExceptionKind(models.TextChoices):
    CLOSURE = "closure", _("Fermeture exceptionnelle")
    REOPENING = "reopening", _("Ouverture exceptionnelle")
    HOURS = "hours", _("Horaires exceptionnels")


# The centre's own hours: a closure "for everyone" closes the desk, not the 24x7 service.
DESK_CALENDARS = (HoursPlan.STANDARD, HoursPlan.EXTENDED)
SCOPE_CHOICES = [("", _("Heures du centre (ouvrées et étendues)")), *HoursPlan.choices]


class CalendarException(models.Model):
    """One day that differs from the weekly rule, for one calendar or the centre's hours.

    * closure: the whole day closed, or only ``start_time``–``end_time`` (a half day);
    * re-opening: a public holiday worked with the usual hours (or ``start_time``–``end_time``);
    * special hours: the day open ``start_time``–``end_time`` only.
    """

    kind = models.CharField(_("type"), max_length=16, choices=ExceptionKind)
    day = models.DateField(_("date"), db_index=True)
    start_time = models.TimeField(_("de"), null=True, blank=True)
    end_time = models.TimeField(_("à"), null=True, blank=True)
    calendar = models.CharField(
        _("calendrier"), max_length=16, choices=SCOPE_CHOICES, blank=True, default=""
    )
    label = models.CharField(
        _("libellé"),
        max_length=120,
        help_text=_("Affiché sur les demandes : « pont de l'Ascension »"),
    )
    created_at = models.DateTimeField(_("saisie le"), default=now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisie par"),
    )
    withdrawn_at = models.DateTimeField(_("retirée le"), null=True, blank=True, editable=False)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("retirée par"),
    )

    class Meta:
        verbose_name = _("exception de calendrier")
        verbose_name_plural = _("exceptions de calendrier")
        ordering = ["day", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(
                    start_time__isnull=False,
                    end_time__isnull=False,
                    end_time__gt=models.F("start_time"),
                ),
                name="calendars_exception_times_pair",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.get_kind_display()} : {self.label}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def is_partial(self) -> bool:
        return self.start_time is not None

    def clean(self) -> None:
        if (self.start_time is None) != (self.end_time is None):
            raise ValidationError(_("Indiquez l'heure de début et l'heure de fin, ou aucune."))
        # Both set or both unset past the check above.
        if (
            self.start_time is not None
            and self.end_time is not None
            and self.end_time <= self.start_time
        ):
            raise ValidationError({"end_time": _("La fin doit suivre le début.")})
        if self.kind == ExceptionKind.HOURS and self.start_time is None:
            raise ValidationError(
                {"start_time": _("Des horaires exceptionnels ont une heure de début et de fin.")}
            )


class ChangeAction(models.TextChoices):
    EXCEPTION_ADDED = "exception_added", _("Exception ajoutée")
    EXCEPTION_WITHDRAWN = "exception_withdrawn", _("Exception retirée")
    PLAN_SAVED = "plan_saved", _("Plan d'astreinte enregistré")
    COVERAGE_SET = "coverage_set", _("Astreinte d'un contrat modifiée")


class CalendarChange(AppendOnlyModel):
    """Who changed which calendar data, when, and to what (the audit trail; its highest id is
    also the version other processes compare to know their cached calendars are stale)."""

    at = models.DateTimeField(_("le"), default=now, db_index=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    action = models.CharField(_("action"), max_length=24, choices=ChangeAction)
    subject = models.CharField(_("objet"), max_length=200)
    payload = models.JSONField(_("détail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("modification de calendrier")
        verbose_name_plural = _("journal des calendriers")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_action_display()} : {self.subject}"
