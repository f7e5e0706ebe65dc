"""Customer satisfaction: one rating per closed ticket, given from the closure mail's signed
link or the extranet, changeable for ``SATISFACTION_ANSWER_DAYS`` after the closure."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LOW_SCORE = 2  # at or below: the referent technician and the managers are told


class Channel(models.TextChoices):
    MAIL = "mail", _("Lien du mail de clôture")
    EXTRANET = "extranet", _("Extranet")


class Rating(models.Model):
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="satisfaction"
    )
    # Copied from the ticket at the first answer: reports group by them without joining.
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="+", verbose_name=_("client")
    )
    technician = models.ForeignKey(
        "staff.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("technicien"),
    )
    closed_at = models.DateTimeField(_("clôturée le"))
    score = models.PositiveSmallIntegerField(
        _("note"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("commentaire"), blank=True)
    channel = models.CharField(_("origine"), max_length=8, choices=Channel)
    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("répondu le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    changes = models.PositiveSmallIntegerField(_("modifications"), default=0)
    # When the low-score notices were sent (once per ticket, even if changed back and forth).
    alerted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("avis de satisfaction")
        verbose_name_plural = _("avis de satisfaction")
        ordering = ["-answered_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1, score__lte=5), name="satisfaction_score_1_to_5"
            )
        ]
        indexes = [
            models.Index(fields=["client", "closed_at"]),
            models.Index(fields=["closed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score}/5"
