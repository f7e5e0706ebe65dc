"""Stored monthly client reports and the billing override log.

Neither table touches ``tickets``: overrides live beside the ticket so that billing can correct a
closed ticket (the ticket services refuse to requalify closed tickets) and keep who/when/why.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def report_path(instance: ClientReport, filename: str) -> str:
    # A random name: report files are served only through permission-checked views.
    return f"reports/{instance.client_id}/{uuid.uuid4().hex}.pdf"


class ClientReport(models.Model):
    """The steering-committee pack of one client for one period (one row per client and period).

    Regenerating replaces the file. ``extranet_document_id`` is a weak reference (no foreign key,
    so this app does not depend on the extranet's migrations) to the copy shared with the client.
    """

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.CASCADE,
        related_name="monthly_reports",
        verbose_name=_("client"),
    )
    period_start = models.DateField(_("début de période"))
    period_end = models.DateField(_("fin de période (incluse)"))
    file = models.FileField(_("fichier"), upload_to=report_path)
    size = models.PositiveIntegerField(_("taille"), default=0)
    generated_at = models.DateTimeField(_("généré le"), default=timezone.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("généré par"),
    )
    extranet_document_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("rapport client")
        verbose_name_plural = _("rapports clients")
        ordering = ["-period_start", "client__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "period_start", "period_end"], name="client_report_unique_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="client_report_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.period_start:%Y-%m-%d} → {self.period_end:%Y-%m-%d}"

    @property
    def download_name(self) -> str:
        return f"rapport-{self.client.code}-{self.period_start:%Y-%m}.pdf"


class BillingOverride(models.Model):
    """One manual change of a ticket's billable flag and/or hourly rate (append-only log).

    The effective value is the latest override that sets it; otherwise the ticket's own flag
    (itself derived from its contract at creation) and the contract's hourly rate apply.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="billing_overrides",
        verbose_name=_("demande"),
    )
    billable = models.BooleanField(_("facturable"), null=True, blank=True)
    rate = models.DecimalField(
        _("taux horaire (€ HT)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    reason = models.TextField(_("motif"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    at = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("dérogation de facturation")
        verbose_name_plural = _("dérogations de facturation")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["ticket", "-at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(billable__isnull=False) | models.Q(rate__isnull=False),
                name="billing_override_changes_something",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.at:%Y-%m-%d %H:%M}"
