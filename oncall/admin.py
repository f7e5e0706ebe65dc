from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from staff import policy
from staff.policy import Action

from .models import (
    CalendarFeed,
    ContractCoverage,
    CoveragePlan,
    CoverageWindow,
    Override,
    Page,
    PageAttempt,
    Rotation,
    RotationMember,
    WeekOverride,
)
from .services import contract_coverage_set, coverage_plan_save


class OnCallPlanningPolicy:
    """Who is on call is the manager's decision (staff.policy ONCALL_OVERRIDE), whatever admin
    permissions a group was given: the others may read it."""

    def _plans(self, request) -> bool:
        return policy.allows(request.user, Action.ONCALL_OVERRIDE)

    def has_add_permission(self, request, *args):
        return self._plans(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._plans(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._plans(request) and super().has_delete_permission(request, obj)


class CalendarManagers:
    """Coverage plans change GTI deadlines: the managers' decision (staff.policy)."""

    def _manages(self, request) -> bool:
        return policy.allows(request.user, Action.CALENDARS_MANAGE)

    def has_add_permission(self, request, *args):
        return self._manages(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._manages(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._manages(request) and super().has_delete_permission(request, obj)


class RotationMemberInline(OnCallPlanningPolicy, admin.TabularInline):
    model = RotationMember
    extra = 0
    autocomplete_fields = ["technician"]
    ordering = ["position"]


class WeekOverrideInline(OnCallPlanningPolicy, admin.TabularInline):
    model = WeekOverride
    extra = 0
    fields = ["week_start", "primary", "backup", "escalation_contact", "reason"]
    autocomplete_fields = ["primary", "backup", "escalation_contact"]


@admin.register(Rotation)
class RotationAdmin(OnCallPlanningPolicy, admin.ModelAdmin):
    list_display = ["name", "is_active", "handover_weekday", "handover_time", "start_date"]
    list_filter = ["is_active"]
    autocomplete_fields = ["escalation_contact"]
    inlines = [RotationMemberInline, WeekOverrideInline]


@admin.register(WeekOverride)
class WeekOverrideAdmin(OnCallPlanningPolicy, admin.ModelAdmin):
    list_display = ["week_start", "rotation", "primary", "backup", "escalation_contact", "reason"]
    list_select_related = ["rotation", "primary__user", "backup__user", "escalation_contact__user"]
    autocomplete_fields = ["primary", "backup", "escalation_contact"]
    date_hierarchy = "week_start"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Override)
class OverrideAdmin(OnCallPlanningPolicy, admin.ModelAdmin):
    list_display = ["technician", "role", "starts_at", "ends_at", "reason", "rotation"]
    list_select_related = ["technician__user", "rotation"]
    list_filter = ["role", "rotation"]
    autocomplete_fields = ["technician"]
    date_hierarchy = "starts_at"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class PageAttemptInline(admin.TabularInline):
    model = PageAttempt
    extra = 0
    can_delete = False
    fields = [
        "at",
        "step",
        "level",
        "channel",
        "technician",
        "recipient",
        "status",
        "attempts",
        "last_error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    """Read-mostly: pages are written by paging, acknowledged from the on-call screens."""

    list_display = [
        "ticket",
        "raised_at",
        "reason",
        "target",
        "state",
        "level",
        "acknowledged_at",
        "intervention_met",
    ]
    list_filter = ["state", "reason", "intervention_met"]
    list_select_related = ["ticket", "target__user"]
    search_fields = ["ticket__reference"]
    date_hierarchy = "raised_at"
    inlines = [PageAttemptInline]
    readonly_fields = [f.name for f in Page._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["technician", "created_at", "revoked_at"]
    list_select_related = ["technician__user"]
    readonly_fields = ["technician", "created_at", "revoked_at"]
    actions = ["revoke"]

    @admin.action(description=_("Révoquer les adresses sélectionnées"))
    def revoke(self, request, queryset):
        from .feeds import feed_revoke  # the technician's own page revokes through it too

        technicians = queryset.filter(revoked_at__isnull=True).select_related("technician")
        for technician in {feed.technician for feed in technicians}:
            feed_revoke(technician)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # un-revoking by editing the date would revive a leaked address

    def has_delete_permission(self, request, obj=None):
        return False  # a revoked address stays listed: when it stopped working


class CoverageWindowInline(CalendarManagers, admin.TabularInline):
    model = CoverageWindow
    extra = 1


@admin.register(CoveragePlan)
class CoveragePlanAdmin(CalendarManagers, admin.ModelAdmin):
    list_display = ["name", "holidays_included", "get_paging_urgencies_display"]
    inlines = [CoverageWindowInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The windows are saved: log the plan and rebuild every process's calendars.
        coverage_plan_save(plan=form.instance, by=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # tickets' frozen GTI bases name the plan


@admin.register(ContractCoverage)
class ContractCoverageAdmin(CalendarManagers, admin.ModelAdmin):
    list_display = ["contract", "plan", "created_at"]
    list_select_related = ["contract__client", "plan"]
    autocomplete_fields = ["contract"]
    fields = ["contract", "plan"]

    def save_model(self, request, obj, form, change):
        contract_coverage_set(contract=obj.contract, plan=obj.plan, by=request.user)
        obj.pk = ContractCoverage.objects.get(contract=obj.contract).pk

    def delete_model(self, request, obj):
        contract_coverage_set(contract=obj.contract, plan=None, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.select_related("contract"):
            self.delete_model(request, obj)
