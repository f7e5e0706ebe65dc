"""Admin: the factor journal (read-only), the organisations' rules (read-only: set by their
client admins), and the staff accounts' factors with the managers' reset as an action. The
devices' own admins (django-otp) are removed: a factor changes only through the services, which
log it and end the sessions."""

from __future__ import annotations

import django_otp.plugins.otp_static.admin  # noqa: F401 - registered first, to be removed
import django_otp.plugins.otp_totp.admin  # noqa: F401
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff import policy
from staff.policy import Action

from . import selectors, services
from .models import FactorEvent, OrganisationPolicy, StaffFactors

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FactorEvent)
class FactorEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "actor_name", "subject_name", "detail")
    list_filter = ("kind",)
    search_fields = ("actor_name", "subject_name")
    date_hierarchy = "at"


@admin.register(OrganisationPolicy)
class OrganisationPolicyAdmin(ReadOnlyAdmin):
    list_display = ("client", "require_2fa", "changed_by", "changed_at")
    list_filter = ("require_2fa",)
    list_select_related = ("client", "changed_by")


@admin.register(StaffFactors)
class StaffFactorsAdmin(ReadOnlyAdmin):
    """Staff accounts and their second factors; managers reset them from the action menu."""

    list_display = ("username", "full_name", "has_totp", "passkeys")
    fields = ("username", "first_name", "last_name", "email")
    search_fields = ("username", "first_name", "last_name")
    actions = ["reset_factors"]

    def get_queryset(self, request):
        return selectors.staff_factor_overview()

    def has_module_permission(self, request):
        return policy.allows(request.user, Action.IDENTITY_RESET)

    def has_view_permission(self, request, obj=None):
        return policy.allows(request.user, Action.IDENTITY_RESET)

    @admin.display(description=_("nom"))
    def full_name(self, obj):
        return obj.get_full_name()

    @admin.display(description=_("application d'authentification"), boolean=True)
    def has_totp(self, obj):
        return obj.has_totp

    @admin.display(description=_("clés d'accès"))
    def passkeys(self, obj):
        return obj.passkeys

    @admin.action(description=_("Réinitialiser la double authentification"))
    def reset_factors(self, request, queryset):
        for person in queryset:
            try:
                removed = services.factors_reset(user=person, by=request.user)
            except (PermissionDenied, services.FactorError) as error:
                self.message_user(request, f"{person}: {error}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(name)s : %(n)s facteur(s) supprimé(s).") % {"name": person, "n": removed},
                    messages.SUCCESS,
                )
