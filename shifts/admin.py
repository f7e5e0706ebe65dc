from django.contrib import admin

from .models import Shift


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    """Shift definitions (agents are assigned from the planning screen)."""

    list_display = ("name", "start_time", "end_time", "position", "is_active")
    list_editable = ("position", "is_active")
