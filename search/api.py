"""``GET /api/v1/search/?q=``: full-text search with the API's scoping. Staff (sessions and
staff-wide tokens) find tickets (internal notes included), articles and problems; a client
token or contact finds its own tickets' public text and the articles published to it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import HasScope, scope_for
from api.scopes import ScopeRule, TokenScope
from api.views.schema import errors

from .models import DocType, SearchDocument
from .selectors import Viewer, search

MAX_LIMIT = 50


class HitSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=DocType.choices, source="doc_type")
    id = serializers.IntegerField(source="object_id")
    reference = serializers.CharField(help_text="OC-… (demande), KB-… (article), PB-… (problème).")
    title = serializers.CharField()
    snippet = serializers.CharField(
        help_text="Extrait, HTML échappé ; les mots trouvés entre <mark> et </mark>."
    )
    created_at = serializers.DateTimeField()


class SearchParams(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text="Mots cherchés (tous doivent figurer).")
    type = serializers.ChoiceField(choices=DocType.choices, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=MAX_LIMIT, default=20)


def viewer_for(request) -> Viewer | None:
    scope = scope_for(request)
    if scope is None:
        return None
    if scope.staff:
        return Viewer.for_staff()
    contact = getattr(request.user, "contact", None) if request.auth is None else None
    return Viewer(
        staff=False,
        client_id=scope.client_id,
        site_id=scope.site_id,
        contact_id=contact.pk if contact is not None else None,
        site_restricted=scope.site_id is not None,
    )


class SearchView(APIView):
    permission_classes = [HasScope]
    token_scopes = ScopeRule(read=TokenScope.TICKETS_READ)

    @extend_schema(
        summary="Recherche plein texte",
        tags=["search"],
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "minLength": 1, "maxLength": 200},
                required=True,
                allow_blank=False,
                pattern=r"\S",
                description="Mots cherchés (au moins un caractère autre qu'un espace).",
            ),
            OpenApiParameter("type", str, enum=DocType.values, description="Type de résultat."),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                description=f"1 à {MAX_LIMIT} (20 par défaut).",
            ),
        ],
        responses={
            200: inline_serializer("SearchResults", {"results": HitSerializer(many=True)}),
            **errors(400, 401, 403, 429),
        },
    )
    def get(self, request):
        params = SearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if not data["q"].strip():
            raise serializers.ValidationError({"q": [_("Ce champ ne peut être vide.")]})
        documents = None
        if data.get("type"):
            documents = SearchDocument.objects.filter(doc_type=data["type"])
        results = search(
            data["q"], viewer=viewer_for(request), documents=documents, limit=data["limit"]
        )
        return Response({"results": HitSerializer(results.hits, many=True).data})
