"""Admin: absences are managed here; projects are read here and changed through the staff pages.

The project's state is protected (FSM) and its history append-only, so neither is editable.
"""

from django.contrib import admin

from .models import (
    Absence,
    Booking,
    BuildEscalation,
    Deliverable,
    HandOver,
    Milestone,
    Project,
    ProjectEvent,
    ProvisioningTask,
    TicketProject,
)


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    readonly_fields = ["completed_at", "completed_by"]


class DeliverableInline(admin.TabularInline):
    model = Deliverable
    extra = 0


class ProjectEventInline(admin.TabularInline):
    model = ProjectEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "from_state", "to_state", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "kind", "state", "project_manager", "target_go_live"]
    list_filter = ["state", "kind"]
    search_fields = ["name", "client__name", "po_reference"]
    list_select_related = ["client", "project_manager"]
    readonly_fields = [
        "state",
        "held_from",
        "went_live_at",
        "closed_at",
        "created_by",
        "created_at",
    ]
    autocomplete_fields = ["client"]
    inlines = [MilestoneInline, DeliverableInline, ProjectEventInline]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["technician", "start", "start_pm", "end", "end_am", "reason"]
    list_filter = ["reason"]
    list_select_related = ["technician__user"]
    date_hierarchy = "start"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    """Read-only: bookings go through the capacity page, which checks over-booking."""

    list_display = ["date", "half", "engineer", "project", "forced"]
    list_filter = ["forced", "half"]
    list_select_related = ["engineer__user", "project"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ProvisioningTask)
class ProvisioningTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "category", "assignee", "status", "due_date"]
    list_filter = ["status", "category"]
    list_select_related = ["project", "assignee__user"]


@admin.register(HandOver)
class HandOverAdmin(admin.ModelAdmin):
    list_display = ["project", "contract", "contract_created", "at"]
    readonly_fields = ["project", "contract", "contract_created", "values", "previous", "by", "at"]

    def has_add_permission(self, request):
        return False


@admin.register(TicketProject)
class TicketProjectAdmin(admin.ModelAdmin):
    list_display = ["ticket", "project", "linked_at"]
    list_select_related = ["ticket", "project"]
    raw_id_fields = ["ticket"]


@admin.register(BuildEscalation)
class BuildEscalationAdmin(admin.ModelAdmin):
    list_display = ["ticket", "engineer", "at"]
    list_select_related = ["ticket", "engineer__user"]
    readonly_fields = ["ticket", "engineer", "reason", "by", "at"]

    def has_add_permission(self, request):
        return False
