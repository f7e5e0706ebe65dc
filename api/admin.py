"""Admin: issue/revoke integration tokens, manage webhook subscriptions, read delivery logs."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ApiToken, WebhookDelivery, WebhookSubscription
from .tokens import service_account
from .webhooks import address_problem, public_https_problem


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "client", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("client", admin.RelatedOnlyFieldListFilter), "revoked_at"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "client"]
        return ["name", "prefix", "client", "user", "created_at", "last_used_at", "revoked_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["prefix", "client", "user", "created_at", "last_used_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if not change:
            raw, obj.prefix, obj.key_hash = ApiToken.generate()
            obj.user = service_account(obj.name)
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                _("Jeton « %(name)s » : %(raw)s — copiez-le maintenant, il ne sera plus affiché.")
                % {"name": obj.name, "raw": raw},
            )
            return
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Révoquer les jetons sélectionnés"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("%d jeton(s) révoqué(s).") % count)


class WebhookSubscriptionForm(forms.ModelForm):
    """The admin obeys the same address policy as the API (``oceanis.outbound``)."""

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "client", "active"]

    def clean(self):
        data = super().clean()
        url = data.get("url")
        if url:
            problem = public_https_problem(url) if data.get("client") else address_problem(url)
            if problem:
                self.add_error("url", problem)
        return data


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "client", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "subscription",
        "event_type",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "delivered_at",
    ]
    list_filter = ["status", "event_type", "subscription"]
    list_select_related = ["subscription"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
