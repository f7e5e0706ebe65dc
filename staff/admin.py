from django.contrib import admin

from .models import Technician


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ("__str__", "level", "team", "available", "phone")
    list_filter = ("level", "team", "available")
    search_fields = ("user__first_name", "user__last_name", "user__username", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
