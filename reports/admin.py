from django.contrib import admin

from .models import BillingOverride, ClientReport


@admin.register(ClientReport)
class ClientReportAdmin(admin.ModelAdmin):
    list_display = ("client", "period_start", "period_end", "generated_at", "size")
    list_filter = ("period_start",)
    search_fields = ("client__name", "client__code")
    readonly_fields = ("file", "size", "generated_at", "generated_by", "extranet_document_id")


@admin.register(BillingOverride)
class BillingOverrideAdmin(admin.ModelAdmin):
    """Read-only: overrides are recorded through the billing page so that each one is logged."""

    list_display = ("ticket", "billable", "rate", "by", "at")
    search_fields = ("ticket__reference", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
