"""Webhook subscriptions managed by the integrations themselves, and their delivery log."""

from __future__ import annotations

from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from staff import policy
from staff.policy import Action

from ..auth import HasScope, scope_for
from ..models import WebhookDelivery, WebhookSubscription
from ..pagination import IdCursorPagination
from ..scopes import ScopeRule, TokenScope
from ..services import webhooks
from ..webhook_serializers import (
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)
from .schema import errors

SUBSCRIPTION_EXAMPLE = OpenApiExample(
    "Abonnement",
    request_only=True,
    value={
        "name": "Outil de facturation",
        "url": "https://facturation.example.com/oceanis/webhook",
        "events": ["ticket.created", "ticket.closed"],
    },
)


PingSerializer = inline_serializer(
    "WebhookPing",
    fields={
        "delivered": serializers.BooleanField(),
        "response_status": serializers.IntegerField(allow_null=True),
        "error": serializers.CharField(allow_blank=True),
    },
)


class DeliveryPagination(IdCursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="Lister les abonnements webhook",
        responses={200: WebhookSubscriptionSerializer(many=True), **errors(400, 401, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="Lire un abonnement webhook",
        responses={200: WebhookSubscriptionSerializer, **errors(401, 403, 404, 429)},
    ),
    create=extend_schema(
        summary="S'abonner aux événements des demandes",
        description=(
            "Les livraisons sont signées : en-tête `X-Oceanis-Signature: t=<unix>,v1=<hex>` "
            "(HMAC-SHA256 du secret sur \"<t>.<corps brut>\"). Le `secret` n'est rendu qu'ici. "
            "Livraison au moins une fois : chaque tentative d'une livraison porte le même "
            "`X-Oceanis-Delivery` (UUID, `delivery_key` du journal) et le même corps ; "
            "dédoublonnez sur cet identifiant. "
            "Pour un jeton client : HTTPS vers une adresse publique, demandes de son client, "
            "jamais d'événement interne."
        ),
        request=WebhookSubscriptionSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer, **errors(400, 401, 403, 429)},
        examples=[SUBSCRIPTION_EXAMPLE],
    ),
    partial_update=extend_schema(
        summary="Modifier un abonnement (URL, événements, actif)",
        request=WebhookSubscriptionSerializer,
        responses={200: WebhookSubscriptionSerializer, **errors(400, 401, 403, 404, 429)},
    ),
    destroy=extend_schema(
        summary="Supprimer un abonnement",
        responses={204: None, **errors(401, 403, 404, 429)},
    ),
)
class WebhookSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Oceanis tokens see every subscription; a client token only its client's."""

    permission_classes = [HasScope]
    token_scopes = ScopeRule.only(TokenScope.WEBHOOKS_MANAGE)
    serializer_class = WebhookSubscriptionSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        scope = scope_for(request)
        if scope is not None and scope.staff:
            # Oceanis-wide subscriptions receive every client's events: staff.policy says who.
            policy.check(request.user, Action.WEBHOOKS_MANAGE)

    def get_queryset(self):
        scope = scope_for(self.request)
        rows = WebhookSubscription.objects.select_related("client").order_by("id")
        if scope is None:
            return rows.none()
        return rows if scope.staff else rows.filter(client_id=scope.client_id)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "scope": scope_for(self.request)}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = serializer.save()
        body = WebhookSubscriptionCreatedSerializer(subscription, context=serializer.context).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Envoyer un événement de test signé",
        description=(
            "POST immédiat vers l'URL de l'abonnement (`X-Oceanis-Event: ping`, signé comme les "
            "vraies livraisons, sans redirection suivie), ni journalisé ni relancé : pour "
            "vérifier le point d'accès et le contrôle de signature."
        ),
        request=None,
        responses={200: PingSerializer, **errors(401, 403, 404, 429)},
    )
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        return Response(webhooks.ping(self.get_object()))

    @extend_schema(
        summary="Journal des livraisons d'un abonnement",
        responses={200: WebhookDeliverySerializer(many=True), **errors(400, 401, 403, 404, 429)},
    )
    @action(detail=True, methods=["get"], pagination_class=DeliveryPagination)
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        rows = WebhookDelivery.objects.filter(subscription=subscription)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
