from django.contrib import admin

from .models import Call, Extension


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin):
    list_display = ("number", "user")
    search_fields = ("number", "user__username", "user__first_name", "user__last_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    """Calls are what the switchboard reported: read-only (the log)."""

    list_display = (
        "started_at",
        "caller",
        "client",
        "contact",
        "answered_by",
        "ended_at",
        "ticket",
    )
    list_filter = ("on_call_line", "paged")
    search_fields = ("call_id", "caller", "caller_e164", "client__name", "contact__last_name")
    list_select_related = ("client", "contact", "answered_by", "ticket")
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
