"""Inputs of the ticket admin actions (each action calls one function of ``tickets.services``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Contact, Site
from sla.policy import Urgency
from staff.models import Technician

from .admin_actions import note_form
from .models import Complexity, EscalationLevel, Kind, PendingOn, ServiceType, TechnicalDomain


def _technicians():
    return Technician.objects.select_related("user").filter(user__is_active=True)


def _blank(choices) -> list[tuple[str, str]]:
    return [("", _("(inchangé)")), *choices]


class AssignForm(forms.Form):
    technician = forms.ModelChoiceField(label=_("Technicien"), queryset=_technicians())
    note = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = _technicians()


class UrgencyForm(forms.Form):
    urgency = forms.ChoiceField(label=_("Urgence"), choices=Urgency.choices)
    note = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea)


class EscalateForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Niveau"),
        choices=_blank(EscalationLevel.choices),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("Vide : le niveau suivant."),
    )
    resolver = forms.ModelChoiceField(label=_("Résolveur"), queryset=_technicians(), required=False)
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea)


class ResolverForm(forms.Form):
    resolver = forms.ModelChoiceField(label=_("Résolveur"), queryset=_technicians())
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea)


class PendingForm(forms.Form):
    on = forms.ChoiceField(label=_("En attente de"), choices=PendingOn.choices)
    reason = forms.CharField(label=_("Motif (visible du client)"), widget=forms.Textarea)


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("Compte-rendu de résolution"), widget=forms.Textarea)
    minutes_spent = forms.IntegerField(label=_("Temps passé (min)"), min_value=0, initial=0)


CloseForm = note_form(_("Commentaire de synthèse"), required=True)
ReasonForm = note_form(_("Motif"), required=True)
OptionalNoteForm = note_form(_("Commentaire"), required=False)


class RequalifyForm(forms.Form):
    """Only the fields filled in change; contact and site are offered when every selected
    ticket belongs to the same client (they must belong to the ticket's client)."""

    kind = forms.ChoiceField(label=_("Nature"), choices=_blank(Kind.choices), required=False)
    complexity = forms.ChoiceField(
        label=_("Complexité"), choices=_blank(Complexity.choices), required=False
    )
    technical_domain = forms.ChoiceField(
        label=_("Domaine technique"), choices=_blank(TechnicalDomain.choices), required=False
    )
    service_type = forms.ChoiceField(
        label=_("Type de prestation"), choices=_blank(ServiceType.choices), required=False
    )
    equipment = forms.CharField(label=_("Matériel ou projet"), max_length=200, required=False)
    billable = forms.NullBooleanField(
        label=_("Facturable"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("(inchangé)")), ("true", _("Oui")), ("false", _("Non"))]
        ),
    )
    note = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea)

    client_id: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.client_id is not None:
            self.fields["contact"] = forms.ModelChoiceField(
                label=_("Contact"),
                queryset=Contact.objects.filter(client_id=self.client_id),
                required=False,
            )
            self.fields["site"] = forms.ModelChoiceField(
                label=_("Site"),
                queryset=Site.objects.filter(client_id=self.client_id),
                required=False,
            )

    def clean(self):
        data = super().clean()
        if not requalified_values(data):
            raise forms.ValidationError(_("Choisissez au moins une valeur à changer."))
        return data


def requalified_values(data: dict) -> dict:
    """The qualification values the manager filled in (blank means unchanged)."""
    return {
        field: value for field, value in data.items() if field != "note" and value not in ("", None)
    }


def requalify_form(client_id: int | None) -> type[RequalifyForm]:
    return type("RequalifyFormFor", (RequalifyForm,), {"client_id": client_id})
