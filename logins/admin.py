"""Sessions in the admin: read-only, for the centre's managers, ended through the service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from staff import policy

from . import services
from .models import LoginSession
from .useragent import summary


@admin.register(LoginSession)
class LoginSessionAdmin(admin.ModelAdmin):
    # Never the key nor the data: whoever reads them can act as the session's user.
    list_display = ("user", "device", "ip", "started_at", "last_seen_at", "expire_date")
    list_display_links = None
    list_select_related = ("user",)
    list_filter = ("user__is_staff",)
    search_fields = ("user__username", "user__email", "ip")
    ordering = ("-last_seen_at", "-pk")
    actions = ["end_sessions"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user__isnull=False)

    @admin.display(description=_("appareil"))
    def device(self, obj: LoginSession) -> str:
        return summary(obj.user_agent) or "—"

    def has_module_permission(self, request) -> bool:
        return policy.is_manager_role(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return obj is None and policy.is_manager_role(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Fermer les sessions sélectionnées"))
    def end_sessions(self, request, queryset):
        # The manager's own session ends by logging out, not under the response being written.
        own = queryset.exclude(session_key=request.session.session_key)
        ended = services.sessions_end(sessions=own, by=request.user)
        self.message_user(
            request,
            ngettext("%(count)d session fermée.", "%(count)d sessions fermées.", ended)
            % {"count": ended},
            messages.SUCCESS,
        )
