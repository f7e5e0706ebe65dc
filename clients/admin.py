from django.contrib import admin

from .models import Client, Contact, Contract, Site


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0


class ContractInline(admin.StackedInline):
    model = Contract
    extra = 0
    autocomplete_fields = ("referent",)


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "multi_site", "is_active")
    list_filter = ("multi_site", "is_active")
    search_fields = ("name", "code")
    inlines = [SiteInline, ContractInline]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "client")
    search_fields = ("name", "client__name")
    list_select_related = ("client",)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "client", "site", "email", "phone", "is_client_admin", "is_active")
    list_filter = ("is_client_admin", "is_active", "language")
    search_fields = ("first_name", "last_name", "email", "client__name")
    list_select_related = ("client", "site")
    autocomplete_fields = ("client", "site", "user")


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "kind",
        "hours_plan",
        "billing",
        "referent",
        "start_date",
        "end_date",
    )
    list_filter = ("kind", "hours_plan", "billing")
    search_fields = ("name", "client__name")
    list_select_related = ("client", "referent__user")
    autocomplete_fields = ("client", "referent")
