"""Major incidents: tickets grouped across clients, client communication and post-incident reports.

A major incident never changes a ticket itself: linking a ticket requalifies it as an incident
through ``tickets.services`` (logged on the ticket) and records the link in ``IncidentTicket``.
Communications are broadcast to the affected clients' contacts through one delivery row per
(message, recipient), so publishing twice or retrying never mails anybody twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oceanis.delivery import DeliveryRow, DeliveryStatus


class MajorIncident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("En cours")
        RESOLVED = "resolved", _("Résolu")

    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(
        _("description interne"), blank=True, help_text=_("Jamais communiquée au client.")
    )
    services = models.TextField(
        _("services impactés"), blank=True, help_text=_("Un service par ligne.")
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=Status, default=Status.OPEN, db_index=True
    )
    started_at = models.DateTimeField(_("début de l'incident"), default=timezone.now)
    resolved_at = models.DateTimeField(_("résolu le"), null=True, blank=True)
    next_update_at = models.DateTimeField(
        _("prochaine communication avant"), null=True, blank=True, db_index=True
    )
    affected_clients = models.ManyToManyField(
        "clients.Client",
        related_name="major_incidents",
        blank=True,
        verbose_name=_("clients impactés"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incident majeur")
        verbose_name_plural = _("incidents majeurs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"

    @property
    def reference(self) -> str:
        # Derived from the primary key: no counter to lock, never reused.
        return f"IM-{self.pk:05d}" if self.pk else "IM-?"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def service_list(self) -> list[str]:
        return [line.strip() for line in self.services.splitlines() if line.strip()]

    def update_overdue(self, now=None) -> bool:
        """True when the promised next communication time has passed on an open incident."""
        now = now or timezone.now()
        return self.is_open and self.next_update_at is not None and self.next_update_at < now


class IncidentTicket(models.Model):
    """A ticket (request or monitoring event) grouped under a major incident: the child side."""

    incident = models.ForeignKey(
        MajorIncident, on_delete=models.CASCADE, related_name="ticket_links"
    )
    # A ticket belongs to at most one major incident.
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="major_incident_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("demande rattachée")
        verbose_name_plural = _("demandes rattachées")
        ordering = ["linked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident.reference} ← {self.ticket_id}"


class IncidentEvent(models.Model):
    """A monitoring event grouped under a major incident (with or without a ticket of its own)."""

    incident = models.ForeignKey(
        MajorIncident, on_delete=models.CASCADE, related_name="event_links"
    )
    event = models.OneToOneField(
        "alerts.Event", on_delete=models.CASCADE, related_name="major_incident_link"
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("événement de supervision rattaché")
        verbose_name_plural = _("événements de supervision rattachés")
        ordering = ["linked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident.reference} ← event {self.event_id}"


class MessageKind(models.TextChoices):
    INITIAL = "initial", _("Notification initiale")
    UPDATE = "update", _("Point de situation")
    RESOLUTION = "resolution", _("Message de résolution")


class IncidentMessage(models.Model):
    """One communication published to every affected client (email + extranet banner)."""

    incident = models.ForeignKey(MajorIncident, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("type"), max_length=16, choices=MessageKind)
    subject = models.CharField(_("objet"), max_length=200)
    body = models.TextField(_("message"))
    next_update_at = models.DateTimeField(_("prochaine communication avant"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("publié le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        ordering = ["published_at", "pk"]

    def __str__(self) -> str:
        return f"{self.incident.reference} {self.get_kind_display()}"


class IncidentMessageDelivery(DeliveryRow):
    """One email of one communication to one recipient, on the delivery primitive: pending →
    sending → sent, or failed (dead letter) after the last attempt. The mail's Message-ID comes
    from ``delivery_key``: a copy re-sent after a lost lease is dropped by mail clients."""

    Status = DeliveryStatus

    message = models.ForeignKey(
        IncidentMessage, on_delete=models.CASCADE, related_name="deliveries"
    )
    client = models.ForeignKey("clients.Client", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(
        "clients.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipient = models.EmailField(_("destinataire"))  # always lower-case

    class Meta:
        verbose_name = _("envoi de communication")
        verbose_name_plural = _("envois de communications")
        ordering = ["message", "recipient"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "recipient"], name="incident_delivery_once_per_recipient"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.recipient} ({self.status})"


class PostIncidentReport(models.Model):
    """The post-incident report (PIR): staff-written analysis; the timeline is assembled live."""

    incident = models.OneToOneField(MajorIncident, on_delete=models.CASCADE, related_name="pir")
    summary = models.TextField(_("résumé"), blank=True)
    impact = models.TextField(_("impact"), blank=True)
    root_cause = models.TextField(_("cause racine"), blank=True)
    actions = models.TextField(
        _("actions correctives et préventives"), blank=True, help_text=_("Une action par ligne.")
    )
    published = models.BooleanField(_("publié sur l'extranet"), default=False)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rapport post-incident")
        verbose_name_plural = _("rapports post-incident")

    def __str__(self) -> str:
        return f"PIR {self.incident.reference}"

    def action_list(self) -> list[str]:
        return [line.strip() for line in self.actions.splitlines() if line.strip()]
