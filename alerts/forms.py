"""The console's small action forms (bad input → a message, never a 500)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sla.policy import Urgency

SILENCE_CHOICES = [
    (30, _("30 min")),
    (60, _("1 h")),
    (120, _("2 h")),
    (240, _("4 h")),
    (480, _("8 h")),
    (1440, _("24 h")),
]


class OpenTicketForm(forms.Form):
    urgency = forms.ChoiceField(label=_("Urgence"), choices=Urgency.choices, required=False)


class SilenceForm(forms.Form):
    minutes = forms.TypedChoiceField(
        label=_("Durée"), choices=SILENCE_CHOICES, coerce=int, initial=60
    )
    reason = forms.CharField(label=_("Motif"), max_length=300, required=False)


class LinkTicketForm(forms.Form):
    reference = forms.CharField(label=_("Référence de la demande"), max_length=20)


class LinkIncidentForm(forms.Form):
    incident = forms.IntegerField(label=_("Incident majeur"), min_value=1)
