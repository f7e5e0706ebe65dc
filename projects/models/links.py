"""What a project leaves behind elsewhere: the RUN hand-over and its links to tickets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .project import Project


class HandOver(models.Model):
    """The hand-over to RUN at go-live: which contract was created or updated, with what."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="handover")
    contract = models.ForeignKey(
        "clients.Contract", on_delete=models.PROTECT, related_name="handovers"
    )
    contract_created = models.BooleanField(_("contrat créé"))
    values = models.JSONField(_("termes appliqués"), default=dict)
    previous = models.JSONField(_("termes précédents"), default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("passage en RUN")
        verbose_name_plural = _("passages en RUN")

    def __str__(self) -> str:
        return f"{self.project} → {self.contract_id}"


class TicketProject(models.Model):
    """A ticket's project: the real link behind the free "matériel ou projet" qualification."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="project_link"
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ticket_links")
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("demande rattachée")
        verbose_name_plural = _("demandes rattachées")

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.project_id}"


class BuildEscalation(models.Model):
    """An L3 escalation aimed at one BUILD engineer; the ticket's owner does not change."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="build_escalations"
    )
    engineer = models.ForeignKey(
        "staff.Technician", on_delete=models.PROTECT, related_name="build_escalations"
    )
    reason = models.TextField(_("motif"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("escalade N3 BUILD")
        verbose_name_plural = _("escalades N3 BUILD")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.engineer_id}"
