"""Forms of the incident screens: parse input only; the services validate the rules."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.models import Event
from clients.models import Client
from oceanis.forms import LocalDateTimeField
from tickets.fields import tickets_from_references

from .models import MessageKind


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    services = forms.CharField(
        label=_("Services impactés (un par ligne)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    description = forms.CharField(
        label=_("Description interne"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    started_at = LocalDateTimeField(label=_("Début de l'incident"))


class IncidentCreateForm(IncidentForm):
    next_update_at = LocalDateTimeField(
        label=_("Notification initiale au plus tard le"), required=False
    )
    clients = forms.ModelMultipleChoiceField(
        label=_("Clients impactés"),
        queryset=Client.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    tickets = forms.CharField(
        label=_("Demandes à rattacher (références)"),
        required=False,
        help_text=_("Ex. : OC-2026-000123 OC-2026-000124"),
    )

    events = forms.CharField(label=_("Événements de supervision à rattacher (n°)"), required=False)

    def clean_tickets(self):
        return tickets_from_references(self.cleaned_data["tickets"])

    def clean_events(self):
        return events_from_numbers(self.cleaned_data["events"])


def events_from_numbers(raw: str) -> list[Event]:
    """Monitoring events named by their numbers (separated by spaces, commas or new lines)."""
    numbers = [n.lstrip("#") for n in re.split(r"[\s,;]+", raw or "") if n]
    bad = [n for n in numbers if not n.isdigit()]
    found = {e.pk: e for e in Event.objects.filter(pk__in=[int(n) for n in numbers if n.isdigit()])}
    missing = bad + [n for n in numbers if n.isdigit() and int(n) not in found]
    if missing:
        raise forms.ValidationError(
            _("Événement de supervision introuvable : %(ids)s") % {"ids": ", ".join(missing)}
        )
    return [found[int(n)] for n in dict.fromkeys(numbers)]


class LinkTicketsForm(forms.Form):
    references = forms.CharField(
        label=_("Références des demandes"), max_length=2000, required=False
    )
    events = forms.CharField(
        label=_("N° d'événements de supervision"), max_length=2000, required=False
    )

    def clean_references(self):
        return tickets_from_references(self.cleaned_data["references"])

    def clean_events(self):
        return events_from_numbers(self.cleaned_data["events"])

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("references") and not data.get("events"):
            raise forms.ValidationError(_("Indiquez au moins une demande ou un événement."))
        return data


class ClientForm(forms.Form):
    client = forms.ModelChoiceField(
        label=_("Client"), queryset=Client.objects.filter(is_active=True)
    )


class PublishForm(forms.Form):
    # Chosen with the page's "Charger le modèle" selector, which filled subject and body.
    kind = forms.ChoiceField(
        label=_("Modèle"), choices=MessageKind.choices, widget=forms.HiddenInput
    )
    subject = forms.CharField(label=_("Objet"), max_length=200)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 14}))
    next_update_at = LocalDateTimeField(
        label=_("Prochain point de situation au plus tard le"), required=False
    )


class NextUpdateForm(forms.Form):
    next_update_at = LocalDateTimeField(label=_("Prochaine communication avant"))


class PirForm(forms.Form):
    summary = forms.CharField(
        label=_("Résumé"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    impact = forms.CharField(
        label=_("Impact"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    root_cause = forms.CharField(
        label=_("Cause racine"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    actions = forms.CharField(
        label=_("Actions correctives et préventives (une par ligne)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
