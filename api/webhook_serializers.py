"""Serializers of the webhook subscription endpoints (self-service for integrations)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from clients.models import Client

from .auth import Scope
from .models import WebhookDelivery, WebhookEvent, WebhookSubscription
from .serializers import ScopedQuerysetsMixin
from .services.webhooks import address_problem, public_https_problem
from .strict import StrictBodyMixin


class WebhookSubscriptionSerializer(
    StrictBodyMixin, ScopedQuerysetsMixin, serializers.ModelSerializer
):
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
        # Client endpoints must be HTTPS; every endpoint, staff's included, must be an address
        # outgoing calls may reach (oceanis.outbound).
        client = attrs.get("client", self.instance.client if self.instance else None)
        problem = public_https_problem(url) if client else address_problem(url)
        if problem:
            raise serializers.ValidationError({"url": problem})
        if "events" in attrs:
            attrs["events"] = sorted(set(attrs["events"]))
        return attrs


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookSubscriptionSerializer.Meta.read_only_fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    # The instant the endpoint accepted it (the model's ``sent_at``: one name per outbox).
    delivered_at = serializers.DateTimeField(source="sent_at", read_only=True, allow_null=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "delivery_key",
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
