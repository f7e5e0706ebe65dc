from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SCOPE_CHOICES, ExceptionKind


class ExceptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type"), choices=ExceptionKind.choices)
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(
        label=_("De"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Vide : toute la journée."),
    )
    end_time = forms.TimeField(
        label=_("À"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    calendar = forms.ChoiceField(label=_("Calendrier"), choices=SCOPE_CHOICES, required=False)
    label = forms.CharField(
        label=_("Libellé"), max_length=120, help_text=_("Affiché sur les demandes concernées.")
    )
