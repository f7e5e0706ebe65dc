"""On-call (astreinte): the weekly rotation, its overrides, pages and their delivery log.

The rotation stores only its rule (ordered members, handover weekday and local time, start date);
weeks are computed by ``oncall.selectors``. Overrides are the exceptions that win over the rule.
A ``Page`` is one out-of-hours call-out for one ticket (unique per ticket: the same alarm never
pages twice); every message sent, failed or skipped is a ``PageAttempt`` row.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from oceanis.delivery import DeliveryRow, DeliveryStatus


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Fuseau horaire inconnu : %(tz)s"), params={"tz": value}) from exc


class Rotation(models.Model):
    """Technicians taking turns a whole week each, 24x7, from one handover to the next."""

    name = models.CharField(_("nom"), max_length=100)
    timezone = models.CharField(
        _("fuseau horaire"), max_length=64, default="Europe/Paris", validators=[validate_timezone]
    )
    handover_weekday = models.PositiveSmallIntegerField(
        _("jour de relève"), choices=Weekday, default=Weekday.THURSDAY
    )
    handover_time = models.TimeField(_("heure de relève (locale)"), default=dt.time(8, 30))
    start_date = models.DateField(
        _("première relève"), help_text=_("Date de la première semaine (un jour de relève).")
    )
    escalation_contact = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact d'escalade (responsable)"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name = _("roulement d'astreinte")
        verbose_name_plural = _("roulements d'astreinte")
        ordering = ["-is_active", "name"]
        constraints = [
            # Paging asks "who is on call": exactly one answer, so one active rotation.
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="oncall_one_active_rotation"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def clean(self) -> None:
        if self.start_date and self.start_date.weekday() != self.handover_weekday:
            raise ValidationError(
                {
                    "start_date": _("La première relève doit tomber un %(day)s.")
                    % {"day": Weekday(self.handover_weekday).label}
                }
            )


class RotationMember(models.Model):
    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="members")
    technician = models.ForeignKey(
        "staff.Technician",
        on_delete=models.PROTECT,
        related_name="oncall_memberships",
        verbose_name=_("technicien"),
    )
    position = models.PositiveSmallIntegerField(_("ordre"))

    class Meta:
        verbose_name = _("technicien du roulement")
        verbose_name_plural = _("techniciens du roulement")
        ordering = ["rotation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "technician"], name="oncall_member_once_per_rotation"
            ),
            models.UniqueConstraint(
                fields=["rotation", "position"], name="oncall_member_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.technician}"


class WeekOverride(models.Model):
    """Changes one whole week: its on-call technician (a swap), backup or escalation contact."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="week_overrides")
    week_start = models.DateField(_("semaine du (jour de relève)"))
    primary = models.ForeignKey(
        "staff.Technician",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("technicien d'astreinte"),
    )
    backup = models.ForeignKey(
        "staff.Technician",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suppléant"),
    )
    escalation_contact = models.ForeignKey(
        "staff.Technician",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact d'escalade"),
    )
    reason = models.CharField(_("motif"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name = _("semaine modifiée")
        verbose_name_plural = _("semaines modifiées")
        ordering = ["rotation", "week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["rotation", "week_start"], name="oncall_one_override_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rotation} – {self.week_start:%d/%m/%Y}"

    def clean(self) -> None:
        rotation = self.rotation if self.rotation_id else None
        if rotation and self.week_start:
            if self.week_start.weekday() != rotation.handover_weekday:
                raise ValidationError(
                    {
                        "week_start": _("Une semaine d'astreinte commence un %(day)s.")
                        % {"day": Weekday(rotation.handover_weekday).label}
                    }
                )
            if self.week_start < rotation.start_date:
                raise ValidationError(
                    {"week_start": _("Cette semaine précède le début du roulement.")}
                )
        if not (self.primary_id or self.backup_id or self.escalation_contact_id):
            raise ValidationError(_("Indiquez au moins une personne à changer pour cette semaine."))


class OverrideRole(models.TextChoices):
    PRIMARY = "primary", _("Technicien d'astreinte")
    BACKUP = "backup", _("Suppléant")


class Override(models.Model):
    """Someone else holds a role for a time range (holidays, sickness): wins over the weeks."""

    rotation = models.ForeignKey(Rotation, on_delete=models.CASCADE, related_name="overrides")
    role = models.CharField(
        _("rôle remplacé"), max_length=16, choices=OverrideRole, default=OverrideRole.PRIMARY
    )
    technician = models.ForeignKey(
        "staff.Technician",
        on_delete=models.PROTECT,
        related_name="oncall_overrides",
        verbose_name=_("remplaçant"),
    )
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    reason = models.CharField(_("motif"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        verbose_name = _("remplacement")
        verbose_name_plural = _("remplacements")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["rotation", "starts_at", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="oncall_override_ends_after"
            )
        ]

    def __str__(self) -> str:
        return f"{self.technician} ({self.get_role_display()})"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("La fin doit suivre le début.")})


class PageState(models.TextChoices):
    OPEN = "open", _("En cours")
    ESCALATED = "escalated", _("Escaladée")
    ACKNOWLEDGED = "acknowledged", _("Acquittée")
    UNANSWERED = "unanswered", _("Sans réponse")
    CANCELLED = "cancelled", _("Annulée")


# Pages still sending messages; UNANSWERED has exhausted its chain but may still be acknowledged.
ACTIVE_PAGE_STATES = (PageState.OPEN, PageState.ESCALATED)
ACKNOWLEDGEABLE_STATES = (*ACTIVE_PAGE_STATES, PageState.UNANSWERED)


class PageLevel(models.IntegerChoices):
    PRIMARY = 0, _("Technicien d'astreinte")
    BACKUP = 1, _("Suppléant")
    MANAGER = 2, _("Responsable")


class PageTrigger(models.TextChoices):
    CREATED = "created", _("Demande critique créée")
    URGENCY = "urgency", _("Urgence passée à critique")
    DESK_CLOSED = "desk_closed", _("Centre fermé, demande critique non prise en charge")


class PageReason(models.TextChoices):
    CONTRACT = "contract_24x7", _("Contrat d'astreinte 24h/24")
    INTERNAL = "internal", _("Alarme Datacenter Oceanis")
    COVERAGE = "coverage", _("Plage d'astreinte souscrite")


class AckVia(models.TextChoices):
    LINK = "link", _("Lien du message")
    BUTTON = "button", _("Bouton du back-office")
    API = "api", _("API")
    TICKET = "ticket", _("Prise en charge de la demande")


class Page(models.Model):
    """An out-of-hours call-out: who is paged, how far it escalated, who acknowledged, and
    whether the 1-hour intervention commitment was met."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="oncall_page"
    )
    trigger = models.CharField(_("déclencheur"), max_length=16, choices=PageTrigger)
    reason = models.CharField(_("motif"), max_length=16, choices=PageReason)
    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rotation = models.ForeignKey(
        Rotation, on_delete=models.SET_NULL, null=True, blank=True, related_name="pages"
    )
    # Frozen when raised: a handover during the incident does not change who is being chased.
    target = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="oncall_pages",
        verbose_name=_("technicien d'astreinte"),
    )
    backup = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suppléant"),
    )
    escalation_contact = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsable"),
    )
    state = models.CharField(_("état"), max_length=16, choices=PageState, default=PageState.OPEN)
    level = models.PositiveSmallIntegerField(
        _("niveau"), choices=PageLevel, default=PageLevel.PRIMARY
    )
    # Number of chain steps already claimed; the conditional update on it decides who sends.
    step = models.PositiveSmallIntegerField(default=0, editable=False)
    next_step_at = models.DateTimeField(_("prochaine relance"), null=True, blank=True)
    raised_at = models.DateTimeField(_("déclenchée le"), db_index=True)
    created_at = models.DateTimeField(default=now, editable=False)
    acknowledged_at = models.DateTimeField(_("acquittée le"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acquittée par"),
    )
    ack_via = models.CharField(_("acquittée via"), max_length=16, choices=AckVia, blank=True)
    intervention_deadline = models.DateTimeField(_("intervention au plus tard"))
    intervention_at = models.DateTimeField(_("intervention démarrée le"), null=True, blank=True)
    intervention_met = models.BooleanField(_("engagement tenu"), null=True, blank=True)

    class Meta:
        verbose_name = _("appel d'astreinte")
        verbose_name_plural = _("appels d'astreinte")
        ordering = ["-raised_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_step_at"])]

    def __str__(self) -> str:
        return f"{self.ticket.reference} ({self.get_state_display()})"

    @property
    def is_acknowledgeable(self) -> bool:
        return self.state in ACKNOWLEDGEABLE_STATES


class AttemptOutcome(models.TextChoices):
    """What one try of a channel reports (the ``PageAttempt.status`` it leads to)."""

    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")
    SKIPPED = "skipped", _("Non envoyé")


class PageAttempt(DeliveryRow):
    """One message of a page on one channel (or the reason none could be sent): the delivery
    row retried by the sweeper and Celery, and the log the page screen shows.

    ``status`` is the outcome, ``attempts`` the tries, ``last_error`` the latest failure; the
    row's ``delivery_key`` is the gateway's ``Idempotency-Key``, the same on every retry."""

    Status = DeliveryStatus

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(_("le"), default=now)
    step = models.PositiveSmallIntegerField(_("étape"))
    level = models.PositiveSmallIntegerField(_("niveau"), choices=PageLevel)
    channel = models.CharField(_("canal"), max_length=32)
    technician = models.ForeignKey(
        "staff.Technician", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipient = models.CharField(_("destinataire"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.page_id} {self.channel} {self.status}"


class CalendarFeed(models.Model):
    """A secret iCalendar address for one technician's on-call weeks; revocable.

    Only the SHA-256 of the token is stored (``oceanis.tokens``): the address is shown once, when
    it is created, and a leaked database does not leak working feed URLs.
    """

    technician = models.ForeignKey(
        "staff.Technician", on_delete=models.CASCADE, related_name="oncall_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=now, editable=False)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("flux iCalendar d'astreinte")
        verbose_name_plural = _("flux iCalendar d'astreinte")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.technician} ({'révoqué' if self.revoked_at else 'actif'})"


# Coverage plans live in their own module (this one is long enough); Django finds them here.
from .plans import ContractCoverage, CoveragePlan, CoverageWindow  # noqa: E402, F401
