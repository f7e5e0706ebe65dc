"""Staff notices: what happened that concerns one Oceanis user, shown under the bell and mailed
according to their preference.

A notice stores a kind and parameters, never a sentence: it is worded in the reader's language
when displayed (``notices.wording``). Re-deriving a source never notifies twice: one notice per
(recipient, kind, source), and per (recipient, event, kind) for ticket events.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oceanis.delivery import DeliveryRow


class NoticeKind(models.TextChoices):
    ASSIGNED = "assigned", _("Demande affectée")
    ESCALATED = "escalated", _("Demande escaladée")
    CLIENT_EMAIL = "client_email", _("Réponse du client par mail")
    CLIENT_COMMENT = "client_comment", _("Commentaire du client")
    CLIENT_CONFIRMED = "client_confirmed", _("Résolution confirmée par le client")
    CLIENT_REOPENED = "client_reopened", _("Demande rouverte par le client")
    FOLLOW_UP = "follow_up", _("Réponse sur une demande clôturée")
    SLA_WARNING = "sla_warning", _("Alerte GTI")
    MENTION = "mention", _("Mention dans une note")
    STATE_CHANGED = "state_changed", _("Changement d'état")
    ONCALL_PAGE = "oncall_page", _("Appel d'astreinte")
    INCIDENT_DECLARED = "incident_declared", _("Incident majeur déclaré")
    INCIDENT_UPDATE = "incident_update", _("Point de situation d'incident majeur")
    INCIDENT_RESOLVED = "incident_resolved", _("Incident majeur résolu")
    LOW_SATISFACTION = "low_satisfaction", _("Avis client défavorable")


class Notice(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("type"), max_length=24, choices=NoticeKind)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the notice was derived from ("event:12", "page:3", "incident:4"): the idempotency key.
    source = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)

    # When the notice should be mailed (per the preference; None: never). Once due, its delivery
    # is a ``NoticeMail`` row; before that a preference change may still move or cancel it.
    email_due_at = models.DateTimeField(_("e-mail prévu le"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications des intervenants")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event", "kind"],
                condition=Q(event__isnull=False),
                name="notice_once_per_event_kind",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "source"], name="notice_once_per_source"
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notice_unread"
            ),
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_due_at__isnull=False, read_at__isnull=True),
                name="notice_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.source}"

    @property
    def unread(self) -> bool:
        return self.read_at is None


class NoticeMail(DeliveryRow):
    """The e-mail delivery of one notice (on the shared delivery primitive).

    A recipient's due rows leave together as one mail; the rows of one mail share its
    Message-ID, stored before the first attempt and kept on every retry.
    """

    notice = models.OneToOneField(Notice, on_delete=models.CASCADE, related_name="mail")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("e-mail de notification")
        verbose_name_plural = _("e-mails des notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.recipient_id} ({self.get_status_display()})"


class Delivery(models.TextChoices):
    IN_APP = "in_app", _("Dans l'application seulement")
    IMMEDIATE = "immediate", _("Dans l'application et par e-mail immédiatement")
    HOURLY = "hourly", _("Dans l'application et par e-mail, en résumé horaire")


class NoticePreference(models.Model):
    """How a user wants their notices; without a row, ``NOTICES_DEFAULT_DELIVERY`` applies."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_preference"
    )
    delivery = models.CharField(_("réception"), max_length=16, choices=Delivery)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.delivery}"


class DerivedEvent(models.Model):
    """A ticket event whose notices were derived (possibly none): the sweeper skips it."""

    event = models.OneToOneField(
        "tickets.TicketEvent", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    derived_at = models.DateTimeField(default=timezone.now)
    notices = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"event {self.event_id}: {self.notices}"
