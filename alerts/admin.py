"""Admin: host mappings, monitoring events and the rejected-alerts log (read-only)."""

from django.contrib import admin

from .models import Event, MonitoredHost, RejectedAlert


@admin.register(MonitoredHost)
class MonitoredHostAdmin(admin.ModelAdmin):
    list_display = ["host", "client", "site"]
    list_select_related = ["client", "site"]
    search_fields = ["host", "client__name", "client__code"]
    autocomplete_fields = ["client"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "summary",
        "host",
        "client",
        "severity",
        "count",
        "first_seen",
        "last_seen",
        "resolved_at",
        "ticket",
        "needs_oncall_page",
    ]
    list_filter = [
        "severity",
        "needs_oncall_page",
        "source",
        ("resolved_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["client", "ticket"]
    search_fields = ["fingerprint", "host", "service", "summary"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RejectedAlert)
class RejectedAlertAdmin(admin.ModelAdmin):
    list_display = ["received_at", "credential", "reason", "remote_addr"]
    search_fields = ["reason", "body", "credential"]
    readonly_fields = [f.name for f in RejectedAlert._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
