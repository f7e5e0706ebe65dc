"""Monitoring events: deduplicated alerts, the hosts they map to, and the rejected-alerts log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critique")
    MAJOR = "major", _("Majeure")
    MINOR = "minor", _("Mineure")
    WARNING = "warning", _("Avertissement")
    INFO = "info", _("Information")


SEVERITY_RANK = {
    Severity.INFO: 1,
    Severity.WARNING: 2,
    Severity.MINOR: 3,
    Severity.MAJOR: 4,
    Severity.CRITICAL: 5,
}


class MonitoredHost(models.Model):
    """Which client (and site) a monitored host belongs to, for alerts that carry no client."""

    host = models.CharField(
        _("hôte"), max_length=255, unique=True, help_text=_("Nom tel qu'envoyé (minuscules).")
    )
    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="monitored_hosts"
    )
    site = models.ForeignKey(
        "clients.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("hôte supervisé")
        verbose_name_plural = _("hôtes supervisés")
        ordering = ["host"]

    def __str__(self) -> str:
        return self.host

    def save(self, *args, **kwargs):
        self.host = self.host.strip().lower()
        super().save(*args, **kwargs)


class Event(models.Model):
    """One problem seen by monitoring, from first alert to recovery.

    Alerts with the same fingerprint for the same client update the open event (count, last
    seen) instead of creating anything: the partial unique constraint makes that an upsert.
    """

    client = models.ForeignKey(
        "clients.Client", on_delete=models.PROTECT, related_name="monitoring_events"
    )
    site = models.ForeignKey(
        "clients.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fingerprint = models.CharField(_("empreinte"), max_length=255)
    source = models.CharField(_("source"), max_length=32)
    host = models.CharField(_("hôte"), max_length=255, blank=True)
    service = models.CharField(_("service"), max_length=255, blank=True)
    summary = models.CharField(_("résumé"), max_length=500)
    description = models.TextField(_("détail"), blank=True)
    labels = models.JSONField(default=dict, blank=True)
    # Highest severity seen while open: an event that worsens opens (or raises) its ticket.
    severity = models.CharField(_("sévérité"), max_length=16, choices=Severity)
    severity_rank = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(_("occurrences"), default=1)
    first_seen = models.DateTimeField(_("première alerte"), default=timezone.now)
    last_seen = models.DateTimeField(_("dernière alerte"), default=timezone.now)
    resolved_at = models.DateTimeField(_("rétablie le"), null=True, blank=True, db_index=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="monitoring_events",
    )
    # Severity rank the ticket's urgency reflects: a worse alert raises the urgency once.
    ticket_severity_rank = models.PositiveSmallIntegerField(default=0)
    ticket_cancelled_on_recovery = models.BooleanField(default=False)
    # Read by the on-call feature: critical, out of Oceanis hours, client on a 24x7 contract.
    needs_oncall_page = models.BooleanField(_("appel d'astreinte"), default=False)
    oncall_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("événement de supervision")
        verbose_name_plural = _("événements de supervision")
        ordering = ["-last_seen", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "fingerprint"],
                condition=Q(resolved_at__isnull=True),
                name="alerts_one_open_event_per_fingerprint",
            )
        ]
        indexes = [
            models.Index(fields=["client", "fingerprint", "-first_seen"]),
            models.Index(
                fields=["oncall_flagged_at"],
                condition=Q(needs_oncall_page=True),
                name="alerts_event_oncall_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.host} {self.summary} ×{self.count}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class RejectedAlert(models.Model):
    """An alert the intake refused, kept verbatim so nothing sent by monitoring is lost."""

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    credential = models.CharField(_("jeton / compte"), max_length=150, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    content_type = models.CharField(max_length=200, blank=True)
    body = models.TextField(_("contenu reçu"))
    reason = models.TextField(_("motif"))
    errors = models.JSONField(default=dict, blank=True)
    # What a replay needs to read the payload as it was sent: the forced ``?type=`` and the client
    # of a client-scoped token (its alerts never land in another client, replayed or not).
    flavour = models.CharField(_("type imposé"), max_length=16, blank=True)
    scope_client = models.ForeignKey(
        "clients.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("client du jeton"),
    )
    replayed_at = models.DateTimeField(_("réinjectée le"), null=True, blank=True)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réinjectée par"),
    )
    replay_result = models.JSONField(_("résultat de la réinjection"), default=dict, blank=True)

    class Meta:
        verbose_name = _("alerte rejetée")
        verbose_name_plural = _("alertes rejetées")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.reason[:60]}"
