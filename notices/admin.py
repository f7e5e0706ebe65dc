from django.contrib import admin

from .models import Notice, NoticePreference


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("created_at", "recipient", "kind", "ticket", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("recipient__username", "ticket__reference", "source")
    raw_id_fields = ("recipient", "ticket", "event", "actor")
    readonly_fields = ("email_error", "message_id", "email_attempts")
    date_hierarchy = "created_at"


@admin.register(NoticePreference)
class NoticePreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "delivery", "updated_at")
    list_filter = ("delivery",)
    raw_id_fields = ("user",)
