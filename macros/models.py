"""Canned answers (macros): a text with placeholders, inserted into a report or an internal note
on the ticket page, which may also put the ticket pending on the client and preset the time
spent. Personal macros belong to one technician; team macros are kept by the managers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.models import Team


class Scope(models.TextChoices):
    PERSONAL = "personal", _("Personnelle")
    TEAM = "team", _("Équipe")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Compte-rendu (visible du client)")
    INTERNAL = "internal", _("Note interne")


class Macro(models.Model):
    name = models.CharField(_("nom"), max_length=120)
    body = models.TextField(_("texte"))
    scope = models.CharField(_("portée"), max_length=8, choices=Scope, default=Scope.PERSONAL)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="macros",
        verbose_name=_("auteur"),
    )
    # A team macro is offered to that team only; blank: to every technician.
    team = models.CharField(_("équipe"), max_length=16, choices=Team, blank=True)
    visibility = models.CharField(
        _("visibilité"), max_length=8, choices=Visibility, default=Visibility.PUBLIC
    )
    set_pending_on_client = models.BooleanField(
        _("mettre en attente du client"),
        default=False,
        help_text=_("À l'enregistrement, la demande en cours passe « En attente du client »."),
    )
    pending_reason = models.CharField(
        _("motif d'attente (vu du client)"), max_length=255, blank=True
    )
    minutes_spent = models.PositiveIntegerField(_("temps passé proposé (minutes)"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("réponse type")
        verbose_name_plural = _("réponses types")
        ordering = ["scope", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="team") | Q(team=""), name="macro_team_only_for_team_scope"
            )
        ]
        indexes = [models.Index(fields=["scope", "team"]), models.Index(fields=["owner"])]

    def __str__(self) -> str:
        return self.name
