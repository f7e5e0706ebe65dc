from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Delivery


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("Être prévenu"), choices=Delivery.choices, widget=forms.RadioSelect
    )
