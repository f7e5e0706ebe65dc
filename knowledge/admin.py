"""Categories and tags are plain reference data, edited here. Articles are written on the
back-office screens (``/kb/``), whose service keeps one version per save and the search index in
step; the suggestion counters are read-only."""

from django.contrib import admin

from .models import Category, Deflection, Tag


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Deflection)
class DeflectionAdmin(admin.ModelAdmin):
    list_display = [
        "started_at", "contact", "suggestions_shown", "articles_opened", "submitted_at", "ticket",
    ]  # fmt: skip
    list_select_related = ["contact", "ticket"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
