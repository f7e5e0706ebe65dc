from django.contrib import admin

from .models import Macro


@admin.register(Macro)
class MacroAdmin(admin.ModelAdmin):
    """Read-only here: macros are written through macros.services (back-office /macros/)."""

    list_display = ("name", "scope", "team", "owner", "set_pending_on_client", "is_active")
    list_filter = ("scope", "team", "is_active")
    list_select_related = ("owner",)
    search_fields = ("name", "body")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
