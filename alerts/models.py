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
    # Console: a person saw it (who, when). Nullable, no database default: the intake's upsert
    # never names these columns.
    acknowledged_at = models.DateTimeField(_("pris en compte le"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pris en compte par"),
    )
    # A silence held its escalation (ticket, urgency, page) until then; the sweeper looks again
    # at that instant, so an alert that stops repeating still opens its ticket after the window.
    silenced_until = models.DateTimeField(_("en sourdine jusqu'au"), null=True, blank=True)

    # Not a column: the console's addresses for the row, set by ``alerts.views._add_links``.
    links: dict[str, str]

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
            models.Index(
                fields=["silenced_until"],
                condition=Q(resolved_at__isnull=True, silenced_until__isnull=False),
                name="alerts_event_silenced_idx",
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


class Silence(models.Model):
    """A maintenance window: while it runs, matching events open no ticket and page nobody.

    It matches the events of its client, on its host (empty: every host of the client; a short
    name matches the long one) and, when set, only the event with that fingerprint. Set from the
    console (one event, for a period) or from a change's planned window.
    """

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="+", verbose_name=_("client")
    )
    host = models.CharField(
        _("hôte"), max_length=255, blank=True, help_text=_("Vide : tous les hôtes du client.")
    )
    fingerprint = models.CharField(_("empreinte"), max_length=255, blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    reason = models.CharField(_("motif"), max_length=300)
    change = models.ForeignKey(
        "changes.ChangeRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="silences",
        verbose_name=_("changement"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    ended_at = models.DateTimeField(_("levée le"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("levée par"),
    )

    class Meta:
        verbose_name = _("mise en sourdine")
        verbose_name_plural = _("mises en sourdine")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["client", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="alerts_silence_ends_after"
            ),
            # One silence per change, host and client: the change page's button is double-click
            # safe.
            models.UniqueConstraint(
                fields=["change", "client", "host"],
                condition=Q(change__isnull=False),
                name="alerts_one_silence_per_change_host",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.host or '*'} {self.starts_at:%Y-%m-%d %H:%M} → {self.ends_at:%H:%M}"

    def save(self, *args, **kwargs):
        self.host = self.host.strip().lower()
        super().save(*args, **kwargs)

    def covers(self, client_id: int, host: str, fingerprint: str) -> bool:
        """Whether this silence applies to an event (time aside)."""
        if client_id != self.client_id or (self.fingerprint and fingerprint != self.fingerprint):
            return False
        if not self.host:
            return True
        name = (host or "").strip().lower()
        return self.host in (name, name.split(".", 1)[0])
