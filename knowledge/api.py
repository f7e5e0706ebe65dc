"""``GET /api/v1/kb/articles/`` (and ``…/<id>/``): knowledge articles with the API's scoping.

Staff see every article (internal ones included) and to whom each is published; a client token
or contact sees only the articles published to every client or to its own, and never the list
of the other clients an article is published to."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from api.auth import HasScope, scope_for
from api.pagination import IdCursorPagination
from api.scopes import ScopeRule, TokenScope
from api.views.schema import errors
from search.selectors import Viewer

from .markdown import render
from .models import Article, Visibility
from .selectors import articles_for


class ArticleSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    category = serializers.CharField(source="category.name", default=None, read_only=True)
    tags = serializers.SerializerMethodField()
    html = serializers.SerializerMethodField(help_text="Le contenu rendu en HTML (nettoyé).")
    visibility = serializers.ChoiceField(choices=Visibility.choices, read_only=True)

    class Meta:
        model = Article
        fields = [
            "id", "reference", "title", "body", "html", "category", "tags", "visibility",
            "version", "created_at", "updated_at",
        ]  # fmt: skip

    def get_tags(self, article) -> list[str]:
        return [tag.name for tag in article.tags.all()]

    def get_html(self, article) -> str:
        return str(render(article.body))


class StaffArticleSerializer(ArticleSerializer):
    clients = serializers.SerializerMethodField(help_text="Codes des clients destinataires.")

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "clients"]

    def get_clients(self, article) -> list[str]:
        return [client.code for client in article.clients.all()]


class ArticleCursorPagination(IdCursorPagination):
    ordering = ("-id",)


@extend_schema_view(
    list=extend_schema(
        summary="Lister les articles de la base de connaissances",
        tags=["kb"],
        responses={200: StaffArticleSerializer(many=True), **errors(400, 401, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="Lire un article",
        tags=["kb"],
        responses={200: StaffArticleSerializer, **errors(401, 403, 404, 429)},
    ),
)
class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [HasScope]
    token_scopes = ScopeRule(read=TokenScope.TICKETS_READ)
    pagination_class = ArticleCursorPagination
    lookup_value_regex = r"\d+"

    def _viewer(self) -> Viewer:
        scope = scope_for(self.request)
        if scope is None:
            return Viewer(staff=False)
        return Viewer(staff=scope.staff, client_id=scope.client_id)

    def get_serializer_class(self):
        return StaffArticleSerializer if self._viewer().staff else ArticleSerializer

    def get_queryset(self):
        return articles_for(self._viewer()).prefetch_related("tags", "clients")
