from django.contrib import admin

from oceanis.delivery_admin import DeliveryAdminMixin

from .models import Notice, NoticeMail, NoticePreference


class NoticeMailInline(admin.StackedInline):
    model = NoticeMail
    fields = readonly_fields = ("status", "attempts", "sent_at", "message_id", "last_error")
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "ticket", "read_at", "email_due_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "ticket__reference", "source")
    raw_id_fields = ("recipient", "ticket", "event", "actor")
    date_hierarchy = "created_at"
    inlines = [NoticeMailInline]


@admin.register(NoticeMail)
class NoticeMailAdmin(DeliveryAdminMixin, admin.ModelAdmin):
    """The notices' outbox: what left, what waits, what failed and why."""

    list_display = (
        "created_at",
        "recipient",
        "notice",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "short_error",
    )
    list_filter = ("status",)
    search_fields = ("recipient__username", "recipient__email", "message_id", "last_error")
    list_select_related = ("recipient", "notice")
    date_hierarchy = "created_at"


@admin.register(NoticePreference)
class NoticePreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "delivery", "updated_at")
    list_filter = ("delivery",)
    raw_id_fields = ("user",)
