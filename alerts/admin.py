"""Admin: host mappings, monitoring events and the rejected-alerts log (read-only, replayable)."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Event, MonitoredHost, RejectedAlert, Silence
from .parsing import AlertPayloadError
from .replay import AlreadyReplayed, rejected_alert_replay
from .silences import silence_end


@admin.register(MonitoredHost)
class MonitoredHostAdmin(admin.ModelAdmin):
    list_display = ["host", "client", "site"]
    list_select_related = ["client", "site"]
    search_fields = ["host", "client__name", "client__code"]
    autocomplete_fields = ["client"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "summary",
        "host",
        "client",
        "severity",
        "count",
        "first_seen",
        "last_seen",
        "resolved_at",
        "ticket",
        "needs_oncall_page",
    ]
    list_filter = [
        "severity",
        "needs_oncall_page",
        "source",
        ("resolved_at", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["client", "ticket"]
    search_fields = ["fingerprint", "host", "service", "summary"]
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(RejectedAlert)
class RejectedAlertAdmin(admin.ModelAdmin):
    list_display = ["received_at", "credential", "reason", "remote_addr", "replayed_at"]
    list_filter = [("replayed_at", admin.EmptyFieldListFilter)]
    search_fields = ["reason", "body", "credential"]
    readonly_fields = [f.name for f in RejectedAlert._meta.fields]
    actions = ["replay"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_replay_permission(self, request):
        return request.user.has_perm("alerts.change_rejectedalert")

    @admin.action(
        description=gettext_lazy("Réinjecter (après correction de l'hôte ou du client)"),
        permissions=["replay"],
    )
    def replay(self, request, queryset):
        for rejected in queryset.order_by("received_at", "pk"):
            try:
                result = rejected_alert_replay(rejected=rejected, by=request.user)
            except AlreadyReplayed:
                self.message_user(
                    request, _("%(row)s : déjà réinjectée.") % {"row": rejected}, messages.INFO
                )
            except AlertPayloadError as exc:
                self.message_user(
                    request,
                    _("%(row)s : toujours refusée (%(reason)s).")
                    % {"row": rejected, "reason": exc.reason},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("%(row)s : %(ingested)s enregistrée(s), %(left)s encore rejetée(s).")
                    % {
                        "row": rejected,
                        "ingested": result.received - result.rejected,
                        "left": result.rejected,
                    },
                    messages.WARNING if result.rejected else messages.SUCCESS,
                )


@admin.register(Silence)
class SilenceAdmin(admin.ModelAdmin):
    """Read-only: silences are set from the event console or a change's page (services), and
    lifted here or there."""

    list_display = ["client", "host", "fingerprint", "starts_at", "ends_at", "ended_at", "change"]
    list_select_related = ["client", "change"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter)]
    search_fields = ["host", "fingerprint", "reason", "client__name"]
    readonly_fields = [f.name for f in Silence._meta.fields]
    actions = ["lift"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_lift_permission(self, request):
        return request.user.has_perm("alerts.change_silence")

    @admin.action(description=gettext_lazy("Lever la mise en sourdine"), permissions=["lift"])
    def lift(self, request, queryset):
        for silence in queryset:
            silence_end(silence=silence, by=request.user)
        self.message_user(request, _("Mises en sourdine levées."), messages.SUCCESS)
