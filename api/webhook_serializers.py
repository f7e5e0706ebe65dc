"""Serializers of the webhook subscription endpoints (self-service for integrations)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from rest_framework import serializers

from clients.models import Client

from .auth import Scope
from .models import WebhookDelivery, WebhookEvent, WebhookSubscription
from .serializers import ScopedQuerysetsMixin


def _forbidden_address(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def check_public_https(url: str) -> None:
    """A client's endpoint must be HTTPS on a public address: the delivery worker runs inside
    Oceanis' network, and a client-chosen URL must not make it call internal services (SSRF).

    Checked when the subscription is written; Oceanis' own (staff) subscriptions may target
    internal systems and are not checked.
    """
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise serializers.ValidationError(_("Adresse HTTPS attendue."))
    host = parts.hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, parts.port or 443)}
    except (socket.gaierror, UnicodeError) as exc:
        raise serializers.ValidationError(_("Hôte introuvable : %s") % host) from exc
    if not addresses or any(_forbidden_address(a.split("%", 1)[0]) for a in addresses):
        raise serializers.ValidationError(_("Adresse interne ou réservée refusée : %s") % host)


class WebhookSubscriptionSerializer(ScopedQuerysetsMixin, serializers.ModelSerializer):
    """A subscription; ``secret`` is returned once, in the answer to its creation."""

    client = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Client.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_(
            "Code client : seules ses demandes, et jamais d'événement interne. Imposé pour un "
            "jeton client ; vide (jeton Oceanis) : toutes les demandes."
        ),
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "events", "client", "active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate(self, attrs):
        scope: Scope = self.context["scope"]
        if not scope.staff:
            # Other clients' codes are unknown to this token (scoped queryset): only its own.
            attrs["client"] = Client.objects.get(pk=scope.client_id)
            url = attrs.get("url") or (self.instance.url if self.instance else "")
            try:
                check_public_https(url)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"url": exc.detail}) from exc
        if "events" in attrs:
            attrs["events"] = sorted(set(attrs["events"]))
        return attrs


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookSubscriptionSerializer.Meta.read_only_fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_type",
            "status",
            "attempts",
            "response_status",
            "last_error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields
