from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from . import services
from .models import Attachment, PlannedIntervention, ReferenceCounter, Ticket, TicketEvent


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "from_state", "to_state", "public", "body", "minutes_spent")
    readonly_fields = fields
    ordering = ("at", "pk")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    """The manager's raw view. State changes only through the service functions (actions)."""

    list_display = (
        "reference",
        "title",
        "client",
        "urgency",
        "state",
        "assignee",
        "created_at",
        "gti_deadline",
        "gti_met",
    )
    list_filter = ("state", "urgency", "kind", "channel", "complexity", "escalation_level")
    search_fields = ("reference", "title", "client__name", "contact__last_name")
    list_select_related = ("client", "assignee__user")
    date_hierarchy = "created_at"
    autocomplete_fields = ("client", "contact", "site", "assignee")
    inlines = [TicketEventInline]
    readonly_fields = (
        "reference",
        "state",
        "contract",
        "contract_hours_plan",
        "gti_commitments",
        "created_at",
        "created_by",
        "taken_in_charge_at",
        "resolved_at",
        "closed_at",
        "closure_synthesis",
        "gti_basis",
        "gti_duration",
        "gti_deadline",
        "ti_measured",
        "gti_met",
        "treatment_business",
        "treatment_wall",
        "treatment_business_excl_client_wait",
        "urgency",
        "escalation_level",
        "pending_on",
        "pending_reason",
    )
    actions = ["take_in_charge"]

    def has_add_permission(self, request):
        # Creation computes the GTI and numbering: it goes through the back-office form / API.
        return False

    @admin.action(description="Prendre en charge")
    def take_in_charge(self, request, queryset):
        for ticket in queryset:
            try:
                services.ticket_take_in_charge(ticket=ticket, by=request.user)
            except (services.TicketTransitionError, ValidationError) as exc:
                self.message_user(request, str(exc), messages.ERROR)


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin):
    list_display = ("ticket", "kind", "actor", "at", "from_state", "to_state", "public")
    list_filter = ("kind", "public")
    search_fields = ("ticket__reference", "body")
    list_select_related = ("ticket", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(admin.ModelAdmin):
    list_display = ("year", "last_number")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ("original_name", "ticket", "size", "public", "uploaded_by", "uploaded_at")
    search_fields = ("original_name", "ticket__reference")
    list_select_related = ("ticket", "uploaded_by")
    raw_id_fields = ("ticket", "event")


@admin.register(PlannedIntervention)
class PlannedInterventionAdmin(admin.ModelAdmin):
    list_display = ("ticket", "technician", "starts_at", "duration", "mode", "cancelled")
    list_filter = ("mode", "cancelled")
    list_select_related = ("ticket", "technician__user")
    raw_id_fields = ("ticket",)
