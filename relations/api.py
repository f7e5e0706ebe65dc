"""``/api/v1/tickets/{reference}/links/`` (list, add) and ``.../merge/``: thin adapters to
``relations.services``. A client token sees the public links between its own organisation's
tickets only; adding links and merging are Oceanis actions."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import HasScope, IsStaffScope, scope_for
from api.scopes import ScopeRule, TokenScope
from api.strict import StrictBodyMixin
from api.views.schema import errors
from tickets.models import Ticket

from . import services
from .models import LinkKind, TicketMerge
from .selectors import ticket_links


def scoped_tickets(request):
    """The tickets the caller may see: all for Oceanis, its client's (and site's) otherwise."""
    scope = scope_for(request)
    rows = Ticket.objects.all()
    if scope is None:
        return rows.none()
    if not scope.staff:
        rows = rows.filter(client_id=scope.client_id)
        if scope.site_id is not None:
            rows = rows.filter(site_id=scope.site_id)
    return rows


def _scoped_reference(serializer, value: str) -> Ticket:
    ticket = scoped_tickets(serializer.context["request"]).filter(reference=value.upper()).first()
    if ticket is None:
        raise serializers.ValidationError(_("Aucune demande ne porte cette référence."))
    return ticket


class LinkCreateSerializer(StrictBodyMixin, serializers.Serializer):
    target = serializers.CharField(max_length=20, help_text="Référence de l'autre demande.")
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    public = serializers.BooleanField(default=True, help_text="Visible du client (extranet).")

    def validate_target(self, value):
        return _scoped_reference(self, value.strip())


class MergeSerializer(StrictBodyMixin, serializers.Serializer):
    target = serializers.CharField(max_length=20, help_text="Demande qui reprend celle-ci.")
    reason = serializers.CharField(max_length=2000)

    def validate_target(self, value):
        return _scoped_reference(self, value.strip())


class LinkLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    direction = serializers.ChoiceField(
        choices=["outgoing", "incoming"],
        help_text="outgoing : cette demande est <kind> l'autre ; incoming : l'inverse.",
    )
    # DRF's metaclass moves declared fields off the class, so this does not shadow Field.label;
    # the stubs cannot see that (typeddjango/djangorestframework-stubs#78).
    label = serializers.CharField()  # type: ignore[assignment]
    ticket = serializers.CharField(help_text="Référence de l'autre demande.")
    title = serializers.CharField()
    state = serializers.CharField()
    public = serializers.BooleanField()


class LinksSerializer(serializers.Serializer):
    reference = serializers.CharField()
    merged_into = serializers.CharField(
        allow_null=True, help_text="Référence de la demande qui reprend celle-ci (fusion)."
    )
    merged_from = serializers.ListField(child=serializers.CharField())
    links = LinkLineSerializer(many=True)


class MergeResultSerializer(serializers.Serializer):
    # Not Field.source: see LinkLineSerializer.label (typeddjango/djangorestframework-stubs#158).
    source = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField()
    merged_at = serializers.DateTimeField()
    entries = serializers.IntegerField(help_text="Entrées recopiées dans la demande cible.")
    attachments = serializers.IntegerField()


def links_body(request, ticket: Ticket) -> dict:
    scope = scope_for(request)
    visible = None if scope is not None and scope.staff else scoped_tickets(request)
    lines = ticket_links(ticket, visible=visible)
    merges = list(TicketMerge.objects.filter(target=ticket).select_related("source"))
    merge = TicketMerge.objects.filter(source=ticket).select_related("target").first()
    if visible is not None:
        wanted = [m.source_id for m in merges] + ([merge.target_id] if merge else [])
        allowed = set(visible.filter(pk__in=wanted).values_list("pk", flat=True))
        merges = [m for m in merges if m.source_id in allowed]
        merge = merge if merge and merge.target_id in allowed else None
    return {
        "reference": ticket.reference,
        "merged_into": merge.target.reference if merge else None,
        "merged_from": [m.source.reference for m in merges],
        "links": [
            {
                "id": line.link.pk,
                "kind": line.link.kind,
                "direction": "outgoing" if line.outgoing else "incoming",
                "label": line.label,
                "ticket": line.other.reference,
                "title": line.other.title,
                "state": line.other.state,
                "public": line.link.public,
            }
            for line in lines
        ],
    }


class TicketLinksView(APIView):
    token_scopes = ScopeRule(read=TokenScope.TICKETS_READ, write=TokenScope.TICKETS_WRITE)

    def get_permissions(self):
        return [IsStaffScope()] if self.request.method == "POST" else [HasScope()]

    def _ticket(self, request, reference: str) -> Ticket:
        return get_object_or_404(scoped_tickets(request), reference=reference)

    @extend_schema(
        summary="Liens d'une demande (doublon, liée, parent/enfant) et fusions",
        responses={200: LinksSerializer, **errors(401, 403, 404, 429)},
    )
    def get(self, request, reference: str):
        return Response(links_body(request, self._ticket(request, reference)))

    @extend_schema(
        summary="Lier une demande à une autre",
        description=str(_("Réservé aux jetons Oceanis.")),
        request=LinkCreateSerializer,
        responses={201: LinksSerializer, **errors(400, 401, 403, 404, 429)},
    )
    def post(self, request, reference: str):
        ticket = self._ticket(request, reference)
        serializer = LinkCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.link_create(
            source=ticket,
            target=data["target"],
            kind=data["kind"],
            public=data["public"],
            by=request.user,
        )
        return Response(links_body(request, ticket), status=status.HTTP_201_CREATED)


class TicketMergeView(APIView):
    token_scopes = ScopeRule.only(TokenScope.TICKETS_WORKFLOW)
    permission_classes = [IsStaffScope]

    @extend_schema(
        summary="Fusionner cette demande dans une autre",
        description=str(
            _(
                "Réservé aux jetons Oceanis. La demande (pas encore prise en charge) est annulée "
                "avec le motif ; ses entrées, pièces jointes, abonnés et son fil de mails passent "
                "dans la demande cible ; sa référence reste lisible et renvoie vers la cible."
            )
        ),
        request=MergeSerializer,
        responses={200: MergeResultSerializer, **errors(400, 401, 403, 404, 429)},
    )
    def post(self, request, reference: str):
        ticket = get_object_or_404(scoped_tickets(request), reference=reference)
        serializer = MergeSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        merge = services.ticket_merge(
            source=ticket, target=data["target"], by=request.user, reason=data["reason"]
        )
        return Response(
            {
                "source": ticket.reference,
                "target": merge.target.reference,
                "merged_at": merge.merged_at,
                "entries": len(merge.summary.get("entries", [])),
                "attachments": merge.summary.get("attachments", 0),
            }
        )
