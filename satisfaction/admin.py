"""Ratings in the admin: read-only (clients give them; nobody edits a client's opinion)."""

from django.contrib import admin

from .models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("ticket", "client", "technician", "score", "channel", "answered_at", "changes")
    list_filter = ("score", "channel")
    list_select_related = ("ticket", "client", "technician__user")
    search_fields = ("ticket__reference", "client__name", "comment")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
