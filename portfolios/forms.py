"""Forms of the portfolio screens; every bad value is a form error, never a 500."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from clients.models import Client, Contact

from .selectors import service_managers
from .services import ActionDraft


def _date_widget():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return _name(obj)


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return _name(obj)


def staff_users():
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .order_by("first_name", "last_name", "username")
    )


class AssignmentForm(forms.Form):
    """The service manager and backup of one client; no service manager takes it out."""

    service_manager = UserChoiceField(
        label=_("Service manager"),
        queryset=service_managers(),
        required=False,
        empty_label=_("— aucun —"),
    )
    backup = UserChoiceField(
        label=_("Suppléant"),
        queryset=service_managers(),
        required=False,
        empty_label=_("— aucun —"),
    )

    def clean(self):
        data = super().clean()
        if data.get("backup") and not data.get("service_manager"):
            raise forms.ValidationError(_("Un suppléant suppose un service manager."))
        return data


class ActionFields(forms.Form):
    """One action: description, one owner (Oceanis staff, a client contact or a free name)."""

    prefix_fields = ("description", "owner", "owner_name", "due_date")
    description = forms.CharField(label=_("Action"), max_length=500, required=False)
    owner = forms.ChoiceField(label=_("Porteur"), required=False)
    owner_name = forms.CharField(label=_("ou autre porteur"), max_length=200, required=False)
    due_date = forms.DateField(label=_("Échéance"), required=False, widget=_date_widget())

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        self._users = {str(u.pk): u for u in staff_users()}
        self._contacts = {str(c.pk): c for c in client.contacts.filter(is_active=True)}
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [
            ("", _("— choisir —")),
            (_("Oceanis"), [(f"u:{pk}", _name(u)) for pk, u in self._users.items()]),
            (client.name, [(f"c:{pk}", str(c)) for pk, c in self._contacts.items()]),
        ]

    def clean(self):
        data = super().clean()
        owner = data.get("owner") or ""
        if owner and data.get("owner_name", "").strip():
            self.add_error("owner_name", _("Une action n'a qu'un porteur."))
        if self.requires_description() and not data.get("description", "").strip():
            self.add_error("description", _("Décrivez l'action."))
        return data

    def requires_description(self) -> bool:
        return True

    def draft(self) -> ActionDraft | None:
        data = self.cleaned_data
        description = data.get("description", "").strip()
        if not description:
            return None
        kind, _sep, pk = (data.get("owner") or "").partition(":")
        return ActionDraft(
            description=description,
            owner_user=self._users.get(pk) if kind == "u" else None,
            owner_contact=self._contacts.get(pk) if kind == "c" else None,
            owner_name=data.get("owner_name", ""),
            due_date=data.get("due_date"),
        )


class CommitteeForm(ActionFields):
    """A committee and, optionally, its first action (more are added on its page)."""

    held_on = forms.DateField(label=_("Date du comité"), widget=_date_widget())
    staff_attendees = UserMultipleChoiceField(
        label=_("Participants Oceanis"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_attendees = forms.ModelMultipleChoiceField(
        label=_("Participants client"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    other_attendees = forms.CharField(
        label=_("Autres participants"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Un nom par ligne."),
    )
    decisions = forms.CharField(
        label=_("Décisions"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    field_order = [
        "held_on",
        "staff_attendees",
        "contact_attendees",
        "other_attendees",
        "decisions",
    ]

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, client=client, **kwargs)
        staff, contacts = self.fields["staff_attendees"], self.fields["contact_attendees"]
        assert isinstance(staff, forms.ModelMultipleChoiceField)
        assert isinstance(contacts, forms.ModelMultipleChoiceField)
        staff.queryset = staff_users()
        contacts.queryset = client.contacts.filter(is_active=True)
        self.fields["description"].label = _("Première action (facultatif)")

    def requires_description(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("owner") or data.get("owner_name", "").strip() or data.get("due_date"))


class ActionForm(ActionFields):
    pass
