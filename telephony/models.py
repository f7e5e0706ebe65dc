"""Phone calls received by the switchboard (CTI intake) and the staff's extensions.

A call is one row per ``call_id`` of the PBX: posting the same id again (answered, ended)
updates it. The caller is identified once, from the E.164 number, against contacts (phone or
mobile), then sites, then clients (``clients`` stores each number normalised).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from oceanis.phones import display


class Extension(models.Model):
    """A staff member's extension on the switchboard: the PBX names who answered by it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="phone_extensions",
        verbose_name=_("intervenant"),
        limit_choices_to={"is_staff": True},
    )
    number = models.CharField(_("poste"), max_length=32, unique=True)

    class Meta:
        verbose_name = _("poste téléphonique")
        verbose_name_plural = _("postes téléphoniques")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} – {self.user.get_full_name() or self.user.get_username()}"


class Call(models.Model):
    call_id = models.CharField(_("identifiant d'appel"), max_length=128, unique=True)
    caller = models.CharField(_("appelant"), max_length=64, help_text=_("Tel qu'envoyé."))
    caller_e164 = models.CharField(max_length=20, blank=True, db_index=True)
    called = models.CharField(_("numéro appelé"), max_length=64, blank=True)
    called_e164 = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField(_("début"))
    answered_by_raw = models.CharField(
        _("décroché par (reçu)"), max_length=150, blank=True, help_text=_("Identifiant ou poste.")
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answered_calls",
        verbose_name=_("décroché par"),
    )
    answered_at = models.DateTimeField(_("décroché à"), null=True, blank=True)
    ended_at = models.DateTimeField(_("fin"), null=True, blank=True)
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("client"),
    )
    site = models.ForeignKey(
        "clients.Site", on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("contact"),
    )
    on_call_line = models.BooleanField(
        _("numéro d'astreinte"), default=False, help_text=_("Appel reçu sur un numéro d'astreinte.")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("demande"),
        help_text=_("Demande créée pendant l'appel, complétée, ou ouverte par l'astreinte."),
    )
    paged = models.BooleanField(
        _("astreinte appelée"),
        default=False,
        help_text=_("Hors des plages du contrat : la demande critique a appelé l'astreinte."),
    )
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mis à jour le"), auto_now=True)

    class Meta:
        verbose_name = _("appel")
        verbose_name_plural = _("appels")
        ordering = ["-started_at", "-pk"]
        indexes = [
            # The live card: the calls a technician answered and that are still going on.
            models.Index(fields=["answered_by", "ended_at"], name="call_live_idx"),
            models.Index(fields=["client", "-started_at"], name="call_client_log_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.caller_display} ({self.call_id})"

    @property
    def caller_display(self) -> str:
        return display(self.caller_e164, fallback=self.caller)

    @property
    def is_live(self) -> bool:
        return self.ended_at is None
