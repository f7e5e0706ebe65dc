"""Admin of calendar exceptions: additions and withdrawals go through the services (audit log,
cache invalidation); the log itself is read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from staff import policy
from staff.policy import Action

from .models import CalendarChange, CalendarException
from .services import calendar_exception_add, calendar_exception_withdraw


class ManagersOnly:
    def _manages(self, request) -> bool:
        return policy.allows(request.user, Action.CALENDARS_MANAGE)

    def has_add_permission(self, request, *args):
        return self._manages(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._manages(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # withdrawn, never deleted: the history of deadlines depends on it


@admin.register(CalendarException)
class CalendarExceptionAdmin(ManagersOnly, admin.ModelAdmin):
    list_display = ["day", "kind", "start_time", "end_time", "calendar", "label", "withdrawn_at"]
    list_filter = ["kind", "calendar", ("withdrawn_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "day"
    fields = ["kind", "day", "start_time", "end_time", "calendar", "label"]
    actions = ["withdraw"]

    def get_readonly_fields(self, request, obj=None):
        # An exception entered is history (tickets counted on it): withdraw and enter anew.
        return self.fields if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        saved = calendar_exception_add(
            by=request.user,
            **{f: form.cleaned_data.get(f) for f in self.fields},
        )
        obj.pk = saved.pk

    @admin.action(description=_("Retirer les exceptions choisies"), permissions=["change"])
    def withdraw(self, request, queryset):
        done = 0
        for exception in queryset.filter(withdrawn_at__isnull=True):
            calendar_exception_withdraw(exception=exception, by=request.user)
            done += 1
        messages.success(request, _("%(n)s exception(s) retirée(s).") % {"n": done})


@admin.register(CalendarChange)
class CalendarChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "by", "action", "subject"]
    list_filter = ["action"]
    readonly_fields = ["at", "by", "action", "subject", "payload"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
