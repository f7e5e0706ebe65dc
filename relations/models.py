"""Links between tickets (duplicate of, related to, child of) and merges.

Kept out of ``tickets`` on purpose: the ticket log stays append-only and untouched; a merge is
recorded here (who, when, why, what was copied) and, on both tickets, as events of their own log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LinkKind(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", _("doublon de")
    RELATED_TO = "related_to", _("liée à")
    CHILD_OF = "child_of", _("sous-demande de")


# How the link reads from the other side (the target's page).
INVERSE_LABELS = {
    LinkKind.DUPLICATE_OF: _("a pour doublon"),
    LinkKind.RELATED_TO: _("liée à"),
    LinkKind.CHILD_OF: _("demande parente de"),
}


class TicketLink(models.Model):
    """``source`` is <kind> ``target``: OC-1 duplicate of OC-2, OC-3 child of OC-4."""

    source = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("type de lien"), max_length=16, choices=LinkKind)
    # Public links are shown in the extranet, and only between tickets of the contact's client.
    public = models.BooleanField(_("visible du client"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lien entre demandes")
        verbose_name_plural = _("liens entre demandes")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target"], name="ticket_link_once_per_pair"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="ticket_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TicketMerge(models.Model):
    """``source`` was merged into ``target``: at most one merge per source (it is cancelled)."""

    source = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="merged_into"
    )
    target = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="merges")
    reason = models.TextField(_("motif"))
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    # What was carried over, for the audit: counts and the source event ids copied.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("fusion de demandes")
        verbose_name_plural = _("fusions de demandes")
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"
