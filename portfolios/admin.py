"""Admin of portfolios and committees: writes go through the services (policy, history)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from staff import policy
from staff.policy import Action

from .models import Assignment, AssignmentRecord, CommitteeAction, SteeringCommittee
from .selectors import service_managers
from .services import portfolio_assign, portfolio_unassign


class AssignmentAdminForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["client", "service_manager", "backup"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("service_manager", "backup"):
            if name in self.fields:
                self.fields[name].queryset = service_managers()

    def clean(self):
        data = super().clean()
        manager, backup = data.get("service_manager"), data.get("backup")
        if manager is not None and backup is not None and manager.pk == backup.pk:
            self.add_error("backup", _("Le suppléant doit être un autre service manager."))
        return data


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Only the centre manager and the deputy assign portfolios (``PORTFOLIO_ASSIGN``)."""

    form = AssignmentAdminForm
    list_display = ["client", "service_manager", "backup", "assigned_by", "assigned_at"]
    list_select_related = ["client", "service_manager", "backup", "assigned_by"]
    fields = ["client", "service_manager", "backup"]
    autocomplete_fields = ["client"]

    def _assigns(self, request) -> bool:
        return policy.allows(request.user, Action.PORTFOLIO_ASSIGN)

    def has_add_permission(self, request):
        return self._assigns(request) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._assigns(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._assigns(request) and super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return ["client"] if obj is not None else []

    def save_form(self, request, form, change):
        # The service writes (and records) the assignment; the form only collects the values.
        data = form.cleaned_data
        client = data.get("client") or form.instance.client
        try:
            saved = portfolio_assign(
                client=client,
                service_manager=data["service_manager"],
                backup=data.get("backup"),
                by=request.user,
            )
        except ValidationError as exc:
            raise PermissionDenied("; ".join(exc.messages)) from exc
        return saved

    def save_model(self, request, obj, form, change):
        pass  # already saved by the service in save_form

    def save_related(self, request, form, formsets, change):
        pass  # no relation edited here

    def delete_model(self, request, obj):
        portfolio_unassign(client=obj.client, by=request.user)

    def delete_queryset(self, request, queryset):
        for assignment in queryset.select_related("client"):
            portfolio_unassign(client=assignment.client, by=request.user)


@admin.register(AssignmentRecord)
class AssignmentRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "client", "service_manager", "backup", "by"]
    list_select_related = ["client", "service_manager", "backup", "by"]
    readonly_fields = ["at", "client", "service_manager", "backup", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CommitteeActionInline(admin.TabularInline):
    model = CommitteeAction
    extra = 0
    fields = ["description", "owner_user", "owner_contact", "owner_name", "due_date", "done"]
    readonly_fields = ["description", "owner_user", "owner_contact", "owner_name", "due_date"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SteeringCommittee)
class SteeringCommitteeAdmin(admin.ModelAdmin):
    """Read-only here: committees are written on the portfolio screens (service manager)."""

    list_display = ["client", "held_on", "created_by"]
    list_select_related = ["client", "created_by"]
    list_filter = ["held_on"]
    search_fields = ["client__name", "decisions"]
    readonly_fields = [
        "client",
        "held_on",
        "staff_attendees",
        "contact_attendees",
        "other_attendees",
        "decisions",
        "created_by",
        "created_at",
    ]
    inlines = [CommitteeActionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
