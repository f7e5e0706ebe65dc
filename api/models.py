"""API tokens for integrations, and outgoing webhook subscriptions with their delivery log."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oceanis.delivery import DeliveryRow, DeliveryStatus
from oceanis.tokens import hash_token

TOKEN_PREFIX = "oc_"  # noqa: S105 - a public marker, not a secret


class ApiToken(models.Model):
    """A named, revocable credential of one integration.

    Only the hash is stored; the clear token is shown once at creation. A token with a client is
    confined to that client's data and never sees internal notes; without one it is staff-wide.
    Requests run as ``user``: a service account (so timeline entries name the integration), or,
    for a staff-wide token acting as a person, that staff member, whose own rights then apply.
    ``scopes`` (``api.scopes.TokenScope`` values) list the route groups the token may call.
    """

    name = models.CharField(_("nom"), max_length=100, unique=True)
    prefix = models.CharField(_("préfixe"), max_length=16, editable=False, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("compte de service"),
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("client"),
        help_text=_("Vide : jeton Oceanis (tous clients). Sinon limité à ce client."),
    )
    acts_for_person = models.BooleanField(
        _("agit pour un intervenant"),
        default=False,
        editable=False,
        help_text=_("Créé avec --acting-as : refusé dès que la personne n'est plus intervenante."),
    )
    scopes = models.JSONField(
        _("portées"),
        default=list,
        blank=True,
        help_text=_("Groupes de routes ouverts au jeton (tickets:read, alerts:write, …)."),
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoqué le"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'API")
        verbose_name_plural = _("jetons d'API")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_staff_wide(self) -> bool:
        return self.client_id is None

    def has_scope(self, scope: str | None) -> bool:
        return scope is not None and scope in (self.scopes or ())

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """A new clear token, its display prefix and its hash."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return raw, raw[:11], hash_token(raw)


class WebhookEvent(models.TextChoices):
    CREATED = "ticket.created", _("Demande créée")
    TAKEN = "ticket.taken_in_charge", _("Demande prise en charge")
    STATE_CHANGED = "ticket.state_changed", _("Changement d'état")
    CLOSED = "ticket.closed", _("Demande clôturée")


class WebhookSubscription(models.Model):
    """An integration's endpoint receiving signed ticket events.

    The secret is kept in clear because signing needs it (like any HMAC webhook provider).
    A subscription with a client receives only that client's tickets and never internal events.
    """

    name = models.CharField(_("nom"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret de signature"), max_length=100, default=secrets.token_urlsafe
    )
    events = models.JSONField(
        _("événements"), default=list, help_text=_("Liste de types : ticket.created, …")
    )
    client = models.ForeignKey(
        "clients.Client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_subscriptions",
        verbose_name=_("client"),
    )
    active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("abonnement webhook")
        verbose_name_plural = _("abonnements webhook")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.events or []) - set(WebhookEvent.values)
        if not isinstance(self.events, list) or not self.events or unknown:
            raise ValidationError(
                {"events": _("Liste non vide parmi : %s") % ", ".join(WebhookEvent.values)}
            )


class WebhookDelivery(DeliveryRow):
    """One ticket event for one subscription, on the delivery primitive: created in the event's
    own transaction, then pending → sending → sent, or failed after the last retry.

    ``delivery_key`` is the ``X-Oceanis-Delivery`` header: the same on every attempt, so a
    receiver drops the copy a retry after a lost lease may bring."""

    Status = DeliveryStatus

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    event_type = models.CharField(max_length=32, choices=WebhookEvent)
    # Frozen at fan-out: every attempt sends the same body (a retry is not a new event).
    payload = models.JSONField(default=dict)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("livraison webhook")
        verbose_name_plural = _("livraisons webhook")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="webhook_delivery_once_per_event"
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.subscription} {self.event_type} #{self.event_id}"
