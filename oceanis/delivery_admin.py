"""Every outbox in the admin the same way: read-only rows, the last error, « Renvoyer maintenant ».

Rows change only through delivery and this action (``oceanis.delivery.resend_now``); the sweeper
of each outbox picks the re-queued rows up within a minute, so the action needs no broker.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import delivery


class DeliveryAdminMixin:
    actions = ["resend_now"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the delivery log is evidence; retention purges it

    @admin.display(description=_("dernière erreur"))
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    def after_resend(self, queryset) -> None:
        """Hook: an outbox with a fast path (a task per row) may start it at once."""

    @admin.action(description=_("Renvoyer maintenant (échecs et envois en attente)"))
    def resend_now(self, request, queryset):
        count = delivery.resend_now(queryset, now=timezone.now())
        self.after_resend(queryset)
        self.message_user(
            request,
            ngettext("%(count)d envoi relancé.", "%(count)d envois relancés.", count)
            % {"count": count},
            messages.SUCCESS,
        )
