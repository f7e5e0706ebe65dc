"""Back-office forms: ticket creation, queue filters, entries, attachments, interventions.

Forms only parse and validate input; every write goes through ``tickets.services`` (or
``tickets.attachments`` / ``tickets.planning``) in the views.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Contact, Site
from sla.policy import Urgency
from staff.models import Level, Technician
from tickets.attachments import validate_upload
from tickets.dispatch import URGENCIES
from tickets.models import (
    Channel,
    Kind,
    PlannedIntervention,
    ServiceType,
    TechnicalDomain,
)

# The seed's plain-language definitions: what each urgency means for the client.
URGENCY_HELP = {
    Urgency.CRITICAL: _(
        "Un élément majeur du système d'information est concerné ; tous les utilisateurs sont "
        "affectés (ex. : messagerie, serveur, équipement réseau ou application stratégique non "
        "accessible)."
    ),
    Urgency.VERY_BLOCKING: _(
        "Plusieurs utilisateurs ou un utilisateur « stratégique » sans solution de contournement, "
        "ou risque important de défaillance du SI sans action rapide (ex. : sauvegarde en échec, "
        "disque en erreur sur une grappe RAID5)."
    ),
    Urgency.SLIGHTLY_BLOCKING: _(
        "Plusieurs utilisateurs avec une solution de contournement en œuvre, ou un utilisateur "
        "« non stratégique » sans contournement (ex. : imprimante A bloquée mais imprimante B "
        "disponible)."
    ),
    Urgency.NON_BLOCKING: _(
        "Un seul utilisateur, sur une fonction mineure n'affectant pas l'exploitation "
        "(ex. : question sur Word, installation d'un logiciel sur un poste)."
    ),
}

# Urgency choices, most urgent first.
URGENCY_CHOICES = [(u.value, u.label) for u in URGENCIES]

BLANK = [("", "—")]


class TicketCreateForm(forms.Form):
    """A ticket opened on a phone call or on a technician's own decision."""

    client = forms.ModelChoiceField(
        Client.objects.filter(is_active=True),
        widget=forms.HiddenInput,
        error_messages={"required": _("Choisissez le client.")},
    )
    contact = forms.ModelChoiceField(Contact.objects.none(), required=False, label=_("Contact"))
    site = forms.ModelChoiceField(Site.objects.none(), required=False, label=_("Site"))
    channel = forms.ChoiceField(
        label=_("Origine"),
        choices=[(c.value, c.label) for c in (Channel.PHONE, Channel.TECHNICIAN)],
        initial=Channel.PHONE,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(label=_("Nature"), choices=Kind.choices, initial=Kind.REQUEST)
    title = forms.CharField(label=_("Objet"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    urgency = forms.ChoiceField(
        label=_("Urgence"),
        choices=URGENCY_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez le degré d'urgence.")},
    )
    complexity = forms.ChoiceField(
        label=_("Complexité"), choices=Level.choices, initial=Level.STANDARD
    )
    technical_domain = forms.ChoiceField(
        label=_("Domaine technique"), choices=BLANK + TechnicalDomain.choices, required=False
    )
    service_type = forms.ChoiceField(
        label=_("Type de prestation"), choices=BLANK + ServiceType.choices, required=False
    )
    equipment = forms.CharField(label=_("Matériel ou projet"), max_length=200, required=False)
    billable = forms.BooleanField(label=_("Facturable"), required=False)
    assign_to_me = forms.BooleanField(label=_("M'affecter cette demande"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        raw = self.data.get("client") if self.is_bound else self.initial.get("client")
        self.client: Client | None = None
        if isinstance(raw, Client):
            self.client = raw
        elif raw and str(raw).isdigit():
            self.client = Client.objects.filter(pk=raw, is_active=True).first()
        if self.client is not None:
            # Only this client's contacts and sites can be chosen (or posted).
            self.fields["contact"].queryset = Contact.objects.filter(
                client=self.client, is_active=True
            )
            self.fields["site"].queryset = Site.objects.filter(client=self.client).select_related(
                "client"
            )


class MinutesField(forms.IntegerField):
    """Time spent in minutes; left empty means none."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Temps passé (minutes)"))
        super().__init__(min_value=0, max_value=24 * 60, initial=0, required=False, **kwargs)

    def clean(self, value):
        return super().clean(value) or 0


class EntryForm(forms.Form):
    """A public report (compte-rendu, visible to the client) or an internal note."""

    body = forms.CharField(label=_("Texte"), widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(
        label=_("Visibilité"),
        choices=[
            ("public", _("Compte-rendu (visible du client)")),
            ("internal", _("Note interne (jamais visible du client)")),
        ],
        initial="public",
        widget=forms.RadioSelect,
    )
    minutes_spent = MinutesField()


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Fichier"))
    public = forms.BooleanField(label=_("Visible du client"), required=False, initial=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # Refuse before reading the content into memory.
        validate_upload(upload.name, upload.size)
        return upload

    @staticmethod
    def max_megabytes() -> int:
        return settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)


class InterventionForm(forms.Form):
    technician = forms.ModelChoiceField(
        Technician.objects.select_related("user"), label=_("Technicien")
    )
    starts_at = forms.DateTimeField(
        label=_("Début"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(
        label=_("Durée (minutes)"), min_value=5, max_value=7 * 24 * 60, initial=60
    )
    mode = forms.ChoiceField(
        label=_("Modalité"),
        choices=PlannedIntervention.Mode.choices,
        initial=PlannedIntervention.Mode.REMOTE,
    )
    travel_minutes = forms.IntegerField(
        label=_("Temps de trajet (minutes)"), min_value=0, max_value=24 * 60, initial=0
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea({"rows": 2}))


class WatcherForm(forms.Form):
    """Add a watcher: a member of Oceanis or a contact of the ticket's client, one at a time.

    The contact list is scoped to the ticket's client, so another client's contact is refused
    by validation (the service refuses it too)."""

    technician = forms.ModelChoiceField(
        Technician.objects.filter(user__is_active=True, user__is_staff=True).select_related("user"),
        label=_("Membre d'Oceanis"),
        required=False,
        empty_label="—",
    )
    contact = forms.ModelChoiceField(
        Contact.objects.none(), label=_("Contact du client"), required=False, empty_label="—"
    )

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(
            client=ticket.client_id, is_active=True
        )

    def set_choices(self, technicians, contacts, *, watching) -> None:
        """Fill the selects from lists the page already loaded, leaving out inactive people
        and those already watching (validation still goes through the querysets)."""
        users = {w.user_id for w in watching if w.user_id}
        contact_ids = {w.contact_id for w in watching if w.contact_id}
        self.fields["technician"].choices = BLANK + [
            (t.pk, str(t))
            for t in technicians
            if t.user.is_active and t.user.is_staff and t.user_id not in users
        ]
        self.fields["contact"].choices = BLANK + [
            (c.pk, str(c)) for c in contacts if c.is_active and c.pk not in contact_ids
        ]

    def clean(self):
        data = super().clean()
        if self.errors:  # an invalid choice already says what is wrong
            return data
        if bool(data.get("technician")) == bool(data.get("contact")):
            raise ValidationError(_("Choisissez un membre d'Oceanis ou un contact du client."))
        return data


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: field errors where the field exists."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
