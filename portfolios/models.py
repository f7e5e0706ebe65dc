"""Service managers' portfolios and the steering committees held with their clients.

A client has at most one service manager, and may have a backup (``backup``) who sees and does
the same while the service manager is away: one row per client (``Assignment``), so "whose
client is this" is a single lookup. Every assignment and withdrawal is kept in
``AssignmentRecord`` (who, when, to whom).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oceanis.models import AppendOnlyModel


class Assignment(models.Model):
    """The service manager (and backup) of one client."""

    client = models.OneToOneField(
        "clients.Client",
        on_delete=models.CASCADE,
        related_name="portfolio",
        verbose_name=_("client"),
    )
    service_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="portfolio_assignments",
        verbose_name=_("service manager"),
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backup_portfolio_assignments",
        verbose_name=_("suppléant"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("affecté par"),
    )
    assigned_at = models.DateTimeField(_("affecté le"), default=timezone.now)

    class Meta:
        verbose_name = _("affectation de portefeuille")
        verbose_name_plural = _("affectations de portefeuille")
        ordering = ["client__name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(backup=models.F("service_manager")),
                name="portfolio_backup_differs",
            )
        ]

    def __str__(self) -> str:
        return f"{self.client} → {self.service_manager}"


class AssignmentRecord(AppendOnlyModel):
    """One assignment or withdrawal, as it happened (history, never edited)."""

    client = models.ForeignKey(
        "clients.Client", on_delete=models.CASCADE, related_name="+", verbose_name=_("client")
    )
    service_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service manager"),
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suppléant"),
    )
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
        verbose_name = _("historique d'affectation")
        verbose_name_plural = _("historique des affectations")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.client} – {self.at:%Y-%m-%d %H:%M}"


class SteeringCommittee(models.Model):
    """A comité de pilotage with a client: who attended, what was decided, the actions."""

    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.CASCADE,
        related_name="steering_committees",
        verbose_name=_("client"),
    )
    held_on = models.DateField(_("date du comité"))
    staff_attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("participants Oceanis"),
    )
    contact_attendees = models.ManyToManyField(
        "clients.Contact",
        blank=True,
        related_name="+",
        verbose_name=_("participants client"),
    )
    other_attendees = models.TextField(
        _("autres participants"), blank=True, help_text=_("Un nom par ligne.")
    )
    decisions = models.TextField(_("décisions"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rédigé par"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("comité de pilotage")
        verbose_name_plural = _("comités de pilotage")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.client} – {self.held_on:%d/%m/%Y}"

    def other_attendee_list(self) -> list[str]:
        return [line.strip() for line in self.other_attendees.splitlines() if line.strip()]


class CommitteeAction(models.Model):
    """An action decided in committee: one owner (staff, client contact or a free name)."""

    committee = models.ForeignKey(
        SteeringCommittee, on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("action"), max_length=500)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("porteur Oceanis"),
    )
    owner_contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("porteur client"),
    )
    owner_name = models.CharField(_("autre porteur"), max_length=200, blank=True)
    due_date = models.DateField(_("échéance"), null=True, blank=True)
    done = models.BooleanField(_("réalisée"), default=False)
    done_on = models.DateField(_("réalisée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("action de comité")
        verbose_name_plural = _("actions de comité")
        ordering = ["done", "due_date", "pk"]

    def __str__(self) -> str:
        return self.description

    @property
    def owner_label(self) -> str:
        user = self.owner_user
        if user is not None:
            return user.get_full_name() or user.get_username()
        if self.owner_contact_id:
            return str(self.owner_contact)
        return self.owner_name
