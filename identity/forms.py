from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class FactorRemoveForm(forms.Form):
    kind = forms.ChoiceField(choices=[("totp", "totp"), ("passkey", "passkey")])
    pk = forms.IntegerField(min_value=1, max_value=2**62)
    password = forms.CharField(
        label=_("Votre mot de passe"),
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OrganisationRuleForm(forms.Form):
    required = forms.BooleanField(
        label=_("Exiger la double authentification de tous les contacts de l'organisation"),
        required=False,
    )
