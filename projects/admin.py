"""Admin: absences are managed here; projects are read here and changed through the services.

The project's state is protected (FSM) and its history append-only: edits of the descriptive
fields go through ``project_update`` (logged), creation through ``project_create``, lifecycle
moves through an action calling ``project_transition``; nothing with a history is deleted here.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tickets.admin_actions import (
    ReadOnlyInline,
    ServiceActionButtonsMixin,
    ViewOnlyMixin,
    service_action,
)

from . import services
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


class _ReadOnlyInline(ReadOnlyInline):
    """Milestones and deliverables are driven from the project page (project manager's rights,
    milestone events); shown here for reading."""


class MilestoneInline(_ReadOnlyInline):
    model = Milestone
    fields = ["name", "due_date", "completed_at", "completed_by"]
    readonly_fields = fields


class DeliverableInline(_ReadOnlyInline):
    model = Deliverable
    fields = ["name", "status", "document_url"]
    readonly_fields = fields


class ProjectEventInline(_ReadOnlyInline):
    model = ProjectEvent
    fields = ["at", "kind", "actor", "from_state", "to_state", "note"]
    readonly_fields = fields


class TransitionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=list(services.ACTIONS.items()))
    note = forms.CharField(
        label=_("Motif"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Obligatoire pour une pause, une annulation ou un retour en intégration."),
    )


def _transition(request, project, *, action, note):
    services.project_transition(project=project, action=action, note=note, by=request.user)


@admin.register(Project)
class ProjectAdmin(ServiceActionButtonsMixin, admin.ModelAdmin):
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
    actions = [
        service_action(
            description=_("Faire avancer le cycle de vie"),
            perform=_transition,
            form=lambda modeladmin, request, queryset: TransitionForm,
            refusals=(services.ProjectTransitionError,),
            permission="change",
        )
    ]

    def service_action_available(self, obj, name):
        return bool(services.available_actions(obj))

    def get_readonly_fields(self, request, obj=None):
        # The client is chosen at creation: documents and bookings hang on it.
        return [*self.readonly_fields, "client"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        values = {
            field: form.cleaned_data[field]
            for field in services.EDITABLE_FIELDS
            if field in form.cleaned_data and (not change or field in form.changed_data)
        }
        if change:
            services.project_update(project=obj, by=request.user, values=values)
            return
        name, kind = values.pop("name"), values.pop("kind")
        created = services.project_create(
            client=form.cleaned_data["client"], name=name, kind=kind, by=request.user, **values
        )
        obj.pk = created.pk
        obj.refresh_from_db()


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
class BookingAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Read-only: bookings go through the capacity page, which checks over-booking and logs
    forced bookings; freeing a slot is ``booking_cancel`` there."""

    list_display = ["date", "half", "engineer", "project", "forced"]
    list_filter = ["forced", "half"]
    list_select_related = ["engineer__user", "project"]
    date_hierarchy = "date"


@admin.register(ProvisioningTask)
class ProvisioningTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "category", "assignee", "status", "due_date"]
    list_filter = ["status", "category"]
    list_select_related = ["project", "assignee__user"]


@admin.register(HandOver)
class HandOverAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["project", "contract", "contract_created", "at"]
    readonly_fields = ["project", "contract", "contract_created", "values", "previous", "by", "at"]


@admin.register(TicketProject)
class TicketProjectAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Links are made on the ticket page (``ticket_link_project``: a note on the ticket and an
    event on the project); read-only here."""

    list_display = ["ticket", "project", "linked_at"]
    list_select_related = ["ticket", "project"]


@admin.register(BuildEscalation)
class BuildEscalationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["ticket", "engineer", "at"]
    list_select_related = ["ticket", "engineer__user"]
    readonly_fields = ["ticket", "engineer", "reason", "by", "at"]
