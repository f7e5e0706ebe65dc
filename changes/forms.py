"""Forms of the problem and change screens: parse input; the services enforce the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from clients.models import Client
from oceanis.forms import LocalDateTimeField
from staff.models import Technician
from tickets.fields import TicketReferencesField

from .models import ChangeRequest, Problem


def _major_incidents():
    # Through the relation, so that this app does not import the incidents app.
    return Problem.incidents.field.related_model.objects.order_by("-started_at")


def _technicians():
    return Technician.objects.select_related("user").filter(user__is_active=True)


class ProblemForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(
        label=_("Responsable (ingénierie RUN)"), queryset=_technicians(), required=False
    )
    root_cause = forms.CharField(
        label=_("Cause racine"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    workaround = forms.CharField(
        label=_("Solution de contournement (erreur connue)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    incidents = forms.ModelMultipleChoiceField(
        label=_("Incidents majeurs liés"),
        queryset=_major_incidents(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    tickets = TicketReferencesField()

    @classmethod
    def initial_for(cls, problem: Problem) -> dict:
        return {
            "title": problem.title,
            "description": problem.description,
            "owner": problem.owner_id,
            "root_cause": problem.root_cause,
            "workaround": problem.workaround,
            "incidents": list(problem.incidents.values_list("pk", flat=True)),
            "tickets": list(problem.tickets.all()),
        }


class ChangeForm(forms.Form):
    title = forms.CharField(label=_("Intitulé"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    change_type = forms.ChoiceField(label=_("Type"), choices=ChangeRequest.Type.choices)
    risk = forms.ChoiceField(label=_("Risque"), choices=ChangeRequest.Risk.choices)
    planned_start = LocalDateTimeField(label=_("Début de la fenêtre"), required=False)
    planned_end = LocalDateTimeField(label=_("Fin de la fenêtre"), required=False)
    implementation_plan = forms.CharField(
        label=_("Plan de mise en œuvre"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    rollback_plan = forms.CharField(
        label=_("Plan de retour arrière"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    client_notice = forms.CharField(
        label=_("Message aux clients (planning extranet)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    affected_clients = forms.ModelMultipleChoiceField(
        label=_("Clients concernés"),
        queryset=Client.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    problems = forms.ModelMultipleChoiceField(
        label=_("Problèmes liés"),
        queryset=Problem.objects.order_by("-created_at"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    tickets = TicketReferencesField()
    approvers = forms.ModelMultipleChoiceField(
        label=_("Approbateurs désignés"),
        queryset=_technicians(),
        required=False,
        help_text=_("Le responsable du centre et son adjoint peuvent toujours approuver."),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    @classmethod
    def initial_for(cls, change: ChangeRequest) -> dict:
        initial = {f: getattr(change, f) for f in cls.base_fields if hasattr(change, f)}
        for name in ("affected_clients", "problems", "approvers"):
            initial[name] = list(getattr(change, name).values_list("pk", flat=True))
        initial["tickets"] = list(change.tickets.all())
        return initial


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=32)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(choices=[("", "—"), *ChangeRequest.Outcome.choices], required=False)
