"""Second factors: who must have one (organisations requiring it) and the audit of changes.

The factors themselves are django-otp devices (TOTP, static recovery codes) and
django-otp-webauthn credentials (passkeys); this app only adds the rules around them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oceanis.models import AppendOnlyModel


class OrganisationPolicy(models.Model):
    """A client organisation's choice, made by one of its client admins: every contact of the
    organisation must have a second factor."""

    client = models.OneToOneField(
        "clients.Client",
        on_delete=models.CASCADE,
        related_name="identity_policy",
        verbose_name=_("client"),
    )
    require_2fa = models.BooleanField(_("double authentification obligatoire"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifié par"),
    )
    changed_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    class Meta:
        verbose_name = _("règle de double authentification")
        verbose_name_plural = _("règles de double authentification")

    def __str__(self) -> str:
        return str(self.client)


class FactorEventKind(models.TextChoices):
    TOTP_ADDED = "totp_added", _("Application d'authentification ajoutée")
    PASSKEY_ADDED = "passkey_added", _("Clé d'accès ajoutée")
    RECOVERY_GENERATED = "recovery_generated", _("Codes de secours générés")
    FACTOR_REMOVED = "factor_removed", _("Facteur supprimé")
    RESET = "reset", _("Facteurs réinitialisés par un responsable")
    ORG_REQUIRED = "org_required", _("Double authentification exigée pour l'organisation")
    ORG_OPTIONAL = "org_optional", _("Double authentification facultative pour l'organisation")


class FactorEvent(AppendOnlyModel):
    """Who changed whose second factors, and when (append-only).

    People are kept as ids and names, not foreign keys: the trail outlives the accounts."""

    at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    kind = models.CharField(_("événement"), max_length=24, choices=FactorEventKind)
    actor_id = models.BigIntegerField(_("auteur (id)"), null=True, blank=True)
    actor_name = models.CharField(_("auteur"), max_length=150, blank=True)
    subject_id = models.BigIntegerField(_("compte (id)"), null=True, blank=True, db_index=True)
    subject_name = models.CharField(_("compte"), max_length=150, blank=True)
    client_id_ref = models.BigIntegerField(_("client (id)"), null=True, blank=True)
    detail = models.CharField(_("détail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("journal des facteurs")
        verbose_name_plural = _("journal des facteurs")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} – {self.subject_name}"


class StaffFactors(User):
    """The staff accounts seen from their second factors (the admin's reset action)."""

    class Meta:
        proxy = True
        verbose_name = _("double authentification du personnel")
        verbose_name_plural = _("double authentification du personnel")
