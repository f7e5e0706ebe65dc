"""Forms of the ticket page's links panel: a ticket is named by its reference."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket

from .models import LinkKind


class ReferenceField(forms.CharField):
    def clean(self, value):
        value = (super().clean(value) or "").strip().upper()
        ticket = Ticket.objects.filter(reference=value).first()
        if ticket is None:
            raise ValidationError(
                _("Aucune demande ne porte la référence %(ref)s.") % {"ref": value}
            )
        return ticket


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label=_("Type de lien"), choices=LinkKind.choices)
    target = ReferenceField(label=_("Référence de l'autre demande"), max_length=20)
    public = forms.BooleanField(label=_("Visible du client"), required=False, initial=True)


class MergeForm(forms.Form):
    target = ReferenceField(label=_("Fusionner dans la demande"), max_length=20)
    reason = forms.CharField(label=_("Motif"), max_length=500)


class SplitForm(forms.Form):
    event = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label=_("Objet de la nouvelle demande"), max_length=255)
