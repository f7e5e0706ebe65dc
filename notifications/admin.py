"""The outbox and the inbound mail in the admin: what left, what waits, what failed and why."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .inbound.lease import reclaimable
from .inbound.service import inbound_process
from .models import BlockedSender, InboundMessage, KnownMessageId, Notification, TriageDecision
from .services import outbox
from .tasks import schedule


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "ticket",
        "kind",
        "recipient",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    )
    list_filter = ("status", "kind", "audience", "language")
    search_fields = ("recipient", "ticket__reference", "message_id", "last_error")
    list_select_related = ("ticket",)
    date_hierarchy = "created_at"
    actions = ["retry_now"]
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # rows change through delivery and the « retry now » action only

    @admin.display(description=_("dernière erreur"))
    def short_error(self, obj):
        return (obj.last_error[:80] + "…") if len(obj.last_error) > 80 else obj.last_error

    @admin.action(description=_("Renvoyer maintenant (échecs et envois en attente)"))
    def retry_now(self, request, queryset):
        pairs = outbox.retry_now(queryset)
        schedule(pairs)
        self.message_user(
            request,
            ngettext("%(count)d envoi relancé.", "%(count)d envois relancés.", len(pairs))
            % {"count": len(pairs)},
            messages.SUCCESS,
        )


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "source", "sender", "subject", "status", "ticket", "short_error")
    list_filter = ("status", "source")
    search_fields = ("sender", "subject", "message_id", "ticket__reference")
    list_select_related = ("ticket",)
    date_hierarchy = "received_at"
    actions = ["reprocess"]
    exclude = ("raw",)
    readonly_fields = (
        "message_id",
        "source",
        "received_at",
        "sender",
        "subject",
        "status",
        "error",
        "processed_at",
        "ticket",
        "event",
        "body_text",
        "raw_preview",
        "sha256",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw", "body_html")

    @admin.display(description=_("erreur / motif"))
    def short_error(self, obj):
        first = (obj.error.splitlines() or [""])[0]
        return (first[:80] + "…") if len(first) > 80 else first

    @admin.display(description=_("message brut (début)"))
    def raw_preview(self, obj):
        raw = bytes(obj.raw or b"")
        text = raw[:20000].decode("utf-8", errors="replace")
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', text)

    @admin.action(description=_("Retraiter (à trier, en échec ou traitement interrompu)"))
    def reprocess(self, request, queryset):
        selected = queryset.count()
        done = 0
        for message in queryset.filter(reclaimable()):
            inbound_process(message)
            done += 1
        self.message_user(
            request,
            ngettext("%(count)d message retraité.", "%(count)d messages retraités.", done)
            % {"count": done},
            messages.SUCCESS,
        )
        if selected > done:
            # Processed or ignored ones are final; one "en cours" within its lease may still be
            # running in a worker, and a second run would race it.
            self.message_user(
                request,
                ngettext(
                    "%(count)d message laissé tel quel (déjà traité, ignoré, ou en cours de "
                    "traitement depuis moins de %(minutes)d min).",
                    "%(count)d messages laissés tels quels (déjà traités, ignorés, ou en cours "
                    "de traitement depuis moins de %(minutes)d min).",
                    selected - done,
                )
                % {
                    "count": selected - done,
                    "minutes": max(1, settings.INBOUND_PROCESSING_LEASE_SECONDS // 60),
                },
                messages.WARNING,
            )


@admin.register(KnownMessageId)
class KnownMessageIdAdmin(admin.ModelAdmin):
    list_display = ("message_id", "ticket", "direction", "audience", "created_at")
    list_filter = ("direction", "audience")
    search_fields = ("message_id", "ticket__reference")
    list_select_related = ("ticket",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BlockedSender)
class BlockedSenderAdmin(admin.ModelAdmin):
    """Deleting a row unblocks the address; "spam" in the triage queue adds one."""

    list_display = ("address", "reason", "blocked_by", "blocked_at")
    search_fields = ("address", "reason")
    list_select_related = ("blocked_by",)
    readonly_fields = ("blocked_by", "blocked_at")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.blocked_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(TriageDecision)
class TriageDecisionAdmin(admin.ModelAdmin):
    """The triage queue's audit: read-only."""

    list_display = ("at", "action", "by", "message", "ticket", "contact", "contact_created")
    list_filter = ("action",)
    search_fields = ("message__sender", "message__subject", "ticket__reference")
    list_select_related = ("by", "message", "ticket", "contact")
    readonly_fields = [f.name for f in TriageDecision._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
