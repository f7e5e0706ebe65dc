"""The triage actions' forms (bad input → a form error, never a 500)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Contact
from tickets.models import Ticket


class OpenTicketForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.filter(is_active=True).order_by("name")
    )
    contact = forms.ModelChoiceField(
        label=_("N° d’un contact existant (facultatif)"),
        queryset=Contact.objects.filter(is_active=True),
        required=False,
        widget=forms.NumberInput,
        help_text=_("Vide : le contact du client ayant cette adresse, sinon un nouveau contact."),
    )
    first_name = forms.CharField(
        label=_("Prénom du nouveau contact"), max_length=100, required=False
    )
    last_name = forms.CharField(label=_("Nom du nouveau contact"), max_length=100, required=False)


class AppendForm(forms.Form):
    reference = forms.CharField(label=_("Référence de la demande"), max_length=20)

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip().upper()
        ticket = Ticket.objects.filter(reference=reference).first()
        if ticket is None:
            raise forms.ValidationError(_("Demande %(ref)s introuvable.") % {"ref": reference})
        return ticket


class IgnoreForm(forms.Form):
    note = forms.CharField(label=_("Motif"), max_length=300, required=False)
