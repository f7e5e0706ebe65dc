"""Links and merges in the admin: read-only (every write goes through relations.services)."""

from django.contrib import admin

from .models import TicketLink, TicketMerge


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TicketLink)
class TicketLinkAdmin(ReadOnlyAdmin):
    list_display = ("source", "kind", "target", "public", "created_by", "created_at")
    list_filter = ("kind", "public")
    list_select_related = ("source", "target", "created_by")
    search_fields = ("source__reference", "target__reference")


@admin.register(TicketMerge)
class TicketMergeAdmin(ReadOnlyAdmin):
    list_display = ("source", "target", "merged_by", "merged_at")
    list_select_related = ("source", "target", "merged_by")
    search_fields = ("source__reference", "target__reference")
