"""The search documents, read-only: they are derived data, rebuilt from their sources (the
"re-index" action, or ``manage.py search_reindex`` for everything)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import DocType, SearchDocument
from .services import INDEXERS


@admin.register(SearchDocument)
class SearchDocumentAdmin(admin.ModelAdmin):
    list_display = ["doc_type", "reference", "title", "audience", "client", "indexed_at"]
    list_filter = ["doc_type", "audience"]
    list_select_related = ["client"]
    search_fields = ["reference", "title"]
    fields = [
        "doc_type", "object_id", "reference", "title", "names", "audience", "client", "state",
        "kind", "created_at", "indexed_at", "public_text", "private_text",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["reindex"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Ré-indexer depuis la source"))
    def reindex(self, request, queryset):
        for doc_type, object_id in queryset.values_list("doc_type", "object_id"):
            if doc_type in INDEXERS:
                INDEXERS[doc_type](object_id)
            elif doc_type == DocType.ARTICLE:
                from knowledge.models import Article
                from knowledge.services import article_index

                article = Article.objects.filter(pk=object_id).first()
                if article is not None:
                    article_index(article=article)
