"""Forms of the shift screens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.models import Technician

from .models import Shift

WEEKDAYS = [
    (0, _("lundi")),
    (1, _("mardi")),
    (2, _("mercredi")),
    (3, _("jeudi")),
    (4, _("vendredi")),
    (5, _("samedi")),
    (6, _("dimanche")),
]


def active_technicians():
    return Technician.objects.select_related("user").filter(user__is_active=True)


class AssignForm(forms.Form):
    shift = forms.ModelChoiceField(label=_("Shift"), queryset=Shift.objects.filter(is_active=True))
    technician = forms.ModelChoiceField(label=_("Agent"), queryset=active_technicians())
    first_day = forms.DateField(label=_("Du"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Au"), widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Jours"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Aucun coché : tous les jours."),
    )


class HandoverForm(forms.Form):
    """The whole handover in one form: incoming agent, general note, and per ticket a
    "pass on" checkbox and its handover note."""

    to_technician = forms.ModelChoiceField(label=_("Agent entrant"), queryset=Technician.objects)
    note = forms.CharField(
        label=_("Consignes générales"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, tickets, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.tickets = list(tickets)
        self.fields["to_technician"].queryset = active_technicians()
        # Incoming agents of the next shift first, then everybody else.
        self.fields["to_technician"].choices = (
            [("", "—")]
            + [(t.pk, f"{t} ★") for t in agents]
            + [(t.pk, str(t)) for t in active_technicians() if t not in agents]
        )
        for ticket in self.tickets:
            self.fields[f"take_{ticket.pk}"] = forms.BooleanField(
                required=False, initial=True, label=_("Transmettre")
            )
            self.fields[f"note_{ticket.pk}"] = forms.CharField(
                required=False,
                label=_("Note de relève"),
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        """(ticket, take field, note field) for the template."""
        return [(t, self[f"take_{t.pk}"], self[f"note_{t.pk}"]) for t in self.tickets]

    def items(self):
        """(ticket, note) of the tickets ticked to be passed on."""
        return [
            (t, self.cleaned_data.get(f"note_{t.pk}", ""))
            for t in self.tickets
            if self.cleaned_data.get(f"take_{t.pk}")
        ]
