from django.contrib import admin

from .models import IncidentMessageDelivery


@admin.register(IncidentMessageDelivery)
class IncidentMessageDeliveryAdmin(admin.ModelAdmin):
    """Read-only view of communication emails, to follow failures."""

    list_display = ("message", "recipient", "client", "status", "attempts", "sent_at")
    list_filter = ("status",)
    search_fields = ("recipient",)
    readonly_fields = [f.name for f in IncidentMessageDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
