"""Admin: issue/revoke integration tokens, manage webhook subscriptions, read delivery logs."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from oceanis.delivery_admin import DeliveryAdminMixin

from .models import ApiToken, WebhookDelivery, WebhookSubscription
from .scopes import TokenScope, scopes_problem
from .services import service_account_problem, token_create, token_revoke, token_set_scopes
from .services.webhooks import address_problem, public_https_problem


class ApiTokenForm(forms.ModelForm):
    """Scopes as checkboxes; on creation, optionally the staff member the token acts for."""

    scopes = forms.MultipleChoiceField(
        label=_("portées"),
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Le minimum dont l'intégration a besoin."),
    )
    acting_as = forms.ModelChoiceField(
        label=_("agit pour"),
        queryset=get_user_model().objects.filter(is_staff=True, is_active=True),
        required=False,
        help_text=_(
            "Vide : compte d'intégration dédié. Sinon le jeton agit pour cet intervenant, avec "
            "ses droits (jamais avec un client)."
        ),
    )

    class Meta:
        model = ApiToken
        fields = ["name", "client", "scopes"]

    def clean(self):
        data = super().clean()
        token = self.instance
        creating = token.pk is None
        client = data.get("client") if creating else token.client
        person = data.get("acting_as") if creating else None
        if person is not None and client is not None:
            self.add_error("acting_as", _("Un jeton client ne peut pas agir pour un intervenant."))
        if creating and person is None and data.get("name"):
            problem = service_account_problem(data["name"])
            if problem:
                self.add_error("name", problem)
        personal = person is not None or (not creating and token.acts_for_person)
        if "scopes" in data:
            problem = scopes_problem(data["scopes"], client=client is not None, personal=personal)
            if problem:
                self.add_error("scopes", problem)
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = [
        "name",
        "prefix",
        "client",
        "user",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("client", admin.RelatedOnlyFieldListFilter), "revoked_at"]
    list_select_related = ["client", "user"]
    search_fields = ["name", "prefix"]
    actions = ["revoke"]

    @admin.display(description=_("portées"))
    def scope_list(self, obj):
        return ", ".join(obj.scopes or []) or "—"

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "client", "acting_as", "scopes"]
        return [
            "name",
            "prefix",
            "client",
            "user",
            "acts_for_person",
            "scopes",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "name",
            "prefix",
            "client",
            "user",
            "acts_for_person",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def save_model(self, request, obj, form, change):
        # Through the services: the clear value is generated there and shown once here.
        if change:
            token_set_scopes(token=obj, scopes=form.cleaned_data["scopes"])
            return
        token, raw = token_create(
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            client=form.cleaned_data.get("client"),
            acting_as=form.cleaned_data.get("acting_as"),
        )
        obj.pk = token.pk
        messages.warning(
            request,
            _("Jeton « %(name)s » : %(raw)s — copiez-le maintenant, il ne sera plus affiché.")
            % {"name": token.name, "raw": raw},
        )

    @admin.action(description=_("Révoquer les jetons sélectionnés"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(token=token)
            count += 1
        messages.success(request, _("%d jeton(s) révoqué(s).") % count)

    def has_delete_permission(self, request, obj=None):
        return False  # revocation keeps the row for the audit trail (creation, last use)


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
class WebhookDeliveryAdmin(DeliveryAdminMixin, admin.ModelAdmin):
    list_display = [
        "subscription",
        "event_type",
        "status",
        "attempts",
        "response_status",
        "next_attempt_at",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "event_type", "subscription"]
    list_select_related = ["subscription"]
