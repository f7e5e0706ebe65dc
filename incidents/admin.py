from django.contrib import admin

from oceanis.delivery_admin import DeliveryAdminMixin

from .models import IncidentMessageDelivery


@admin.register(IncidentMessageDelivery)
class IncidentMessageDeliveryAdmin(DeliveryAdminMixin, admin.ModelAdmin):
    """Communication emails, to follow failures and send them again."""

    list_display = (
        "message",
        "recipient",
        "client",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    )
    list_filter = ("status",)
    search_fields = ("recipient",)
