"""Extranet forms. Labels and help in plain French; the GTI urgency help follows the contract."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients.models import Contact
from sla.policy import Urgency
from tickets.models import OPEN_STATES, State

from .services import validate_files

# The contract's wording (GTI section), in the client's words.
URGENCY_HELP = {
    Urgency.CRITICAL: _(
        "Un élément majeur du système d'information est concerné : tous les utilisateurs sont "
        "affectés (ex. : messagerie, serveur, équipement réseau ou application stratégique "
        "inaccessible). Intervention sous 1 heure sur vos plages souscrites."
    ),
    Urgency.VERY_BLOCKING: _(
        "Plusieurs utilisateurs, ou un utilisateur stratégique, sans solution de contournement ; "
        "ou un risque important de panne si rien n'est fait rapidement (ex. : sauvegarde en "
        "échec, disque en erreur). Intervention sous 4 heures sur vos plages souscrites."
    ),
    Urgency.SLIGHTLY_BLOCKING: _(
        "Une solution de contournement existe, ou un seul utilisateur non stratégique est "
        "bloqué (ex. : l'imprimante A est bloquée mais l'imprimante B fonctionne). "
        "Intervention sous 8 heures ouvrées."
    ),
    Urgency.NON_BLOCKING: _(
        "Un seul utilisateur, sur une fonction mineure qui n'empêche pas de travailler "
        "(ex. : question sur Word, installation d'un logiciel). Intervention sous 16 heures "
        "ouvrées."
    ),
}

# Most urgent first, as a person reads the choice.
URGENCY_ORDER = [
    Urgency.CRITICAL,
    Urgency.VERY_BLOCKING,
    Urgency.SLIGHTLY_BLOCKING,
    Urgency.NON_BLOCKING,
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files, each checked by tickets.attachments.validate_upload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        files = [super(MultipleFileField, self).clean(f, initial) for f in files]
        validate_files(files)
        return files


class ExtranetLoginForm(AuthenticationForm):
    """E-mail + password; only active contacts (and staff, who are sent to the back-office)."""

    username = forms.CharField(
        label=_("Adresse e-mail"),
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean_username(self):
        return self.cleaned_data["username"].strip()

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if user.is_staff:
            return
        if not Contact.objects.filter(user=user, is_active=True, client__is_active=True).exists():
            raise ValidationError(
                _("Ce compte n'a pas accès à l'extranet. Contactez le service desk."),
                code="no_extranet_access",
            )


class ContactPasswordResetForm(PasswordResetForm):
    """Reset only for client contacts' accounts, including invited ones with no password yet.

    Staff accounts are never reset from the client extranet.
    """

    def get_users(self, email):
        User = get_user_model()
        return (
            User.objects.filter(
                email__iexact=email,
                is_active=True,
                is_staff=False,
                contact__is_active=True,
                contact__client__is_active=True,
            )
            .distinct()
            .iterator()
        )


class RequestForm(forms.Form):
    title = forms.CharField(label=_("Objet de la demande"), max_length=255)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Ce qui se passe, depuis quand, qui est concerné, ce que vous avez essayé."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgence"),
        choices=[(u.value, u.label) for u in URGENCY_ORDER],
        widget=forms.RadioSelect,
    )
    site = forms.ModelChoiceField(label=_("Site concerné"), queryset=None, required=False)
    files = MultipleFileField(label=_("Pièces jointes"))

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["site"].label_from_instance = lambda site: site.name
        # With a single possible site there is nothing to choose: it is used directly.
        choices = list(sites[:2])
        self.default_site = choices[0] if len(choices) == 1 else None
        if len(choices) < 2:
            del self.fields["site"]

    def urgency_choices(self):
        """(value, label, help) for the template's described radio buttons."""
        selected = self["urgency"].value()
        return [(u.value, u.label, URGENCY_HELP[u], u.value == selected) for u in URGENCY_ORDER]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Votre commentaire"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )
    files = MultipleFileField(label=_("Pièces jointes"))


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Pourquoi le problème n'est-il pas résolu ?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


STATE_FILTER_CHOICES = [("", _("Tous les états"))] + [
    (s.value, s.label) for s in (*OPEN_STATES, State.RESOLVED)
]


class HomeFilterForm(forms.Form):
    q = forms.CharField(label=_("Rechercher"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("État"), required=False, choices=STATE_FILTER_CHOICES)
    urgency = forms.ChoiceField(
        label=_("Urgence"),
        required=False,
        choices=[("", _("Toutes les urgences"))] + [(u.value, u.label) for u in URGENCY_ORDER],
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=None, required=False, empty_label=_("Tous les sites")
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["site"].label_from_instance = lambda site: site.name


class HistoryFilterForm(forms.Form):
    start = forms.DateField(
        label=_("Clôturées du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    site = forms.ModelChoiceField(
        label=_("Site"), queryset=None, required=False, empty_label=_("Tous les sites")
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["site"].label_from_instance = lambda site: site.name

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise ValidationError(_("La date de début doit précéder la date de fin."))
        return data
