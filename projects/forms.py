"""Staff forms for projects, bookings and ticket links. Validation only: services do the writes."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from staff.models import Team, Technician

from .models import ACTIVE_STATES, Deliverable, Half, Milestone, Project, ProvisioningTask
from .services import ACTIONS, EDITABLE_FIELDS


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TechnicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Technician) -> str:
        return f"{obj} ({obj.get_team_display()})"


def _technicians():
    return Technician.objects.select_related("user").order_by("user__first_name", "user__last_name")


def _staff_users():
    return get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name")


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["client", *EDITABLE_FIELDS]
        widgets = {
            "po_date": DateInput(),
            "target_go_live": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = self.fields["client"].queryset.filter(is_active=True)
        for name in ("solution_architect", "project_manager"):
            self.fields[name].queryset = _staff_users()
            self.fields[name].label_from_instance = lambda u: u.get_full_name() or u.username
        self.fields["run_referent"] = TechnicianChoiceField(
            queryset=_technicians(),
            required=False,
            label=Project._meta.get_field("run_referent").verbose_name,
        )
        if self.instance.pk:
            # The client of an existing project does not change: its documents and tickets follow.
            del self.fields["client"]

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in EDITABLE_FIELDS}


class TransitionForm(forms.Form):
    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    note = forms.CharField(label=_("Commentaire"), required=False, max_length=2000)


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ["name", "due_date"]
        widgets = {"due_date": DateInput()}


def _document_url_field():
    return forms.URLField(
        label=_("Lien vers le document"),
        required=False,
        assume_scheme="https",
        max_length=200,
    )


class DeliverableForm(forms.ModelForm):
    document_url = _document_url_field()

    class Meta:
        model = Deliverable
        fields = ["name", "status", "document_url"]


class DeliverableStatusForm(forms.ModelForm):
    document_url = _document_url_field()

    class Meta:
        model = Deliverable
        fields = ["status", "document_url"]


class TaskForm(forms.ModelForm):
    assignee = TechnicianChoiceField(queryset=Technician.objects.none(), required=False)

    class Meta:
        model = ProvisioningTask
        fields = ["title", "category", "assignee", "due_date", "notes"]
        widgets = {"due_date": DateInput(), "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _technicians()
        self.fields["assignee"].label = _("Attribuée à")


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Statut"), choices=ProvisioningTask.Status.choices)


class BookingForm(forms.Form):
    """Book an engineer on one day (or half-day), or on every working day of a range."""

    engineer = TechnicianChoiceField(queryset=Technician.objects.none(), label=_("Ingénieur"))
    project = forms.ModelChoiceField(queryset=Project.objects.none(), label=_("Projet"))
    start = forms.DateField(label=_("Le (ou du)"), widget=DateInput())
    end = forms.DateField(label=_("Au (inclus, facultatif)"), widget=DateInput(), required=False)
    half = forms.ChoiceField(label=_("Créneau"), choices=Half.choices, initial=Half.DAY)
    note = forms.CharField(label=_("Note"), required=False, max_length=255)
    force = forms.BooleanField(
        label=_("Forcer la surréservation (responsable)"),
        required=False,
        help_text=_("La surréservation et ses motifs sont tracés dans l'historique du projet."),
    )

    def __init__(self, *args, may_force: bool = False, project: Project | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engineer"].queryset = _technicians().filter(team=Team.BUILD)
        projects = Project.objects.filter(state__in=ACTIVE_STATES).select_related("client")
        self.fields["project"].queryset = projects.order_by("client__name", "name")
        self.fields["project"].label_from_instance = lambda p: f"{p.client.name} – {p.name}"
        if project is not None:
            self.fields["project"].initial = project.pk
        if not may_force:
            del self.fields["force"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("La date de fin précède la date de début."))
        return data


class TicketLinkForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), label=_("Projet"))

    def __init__(self, *args, client_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.filter(client_id=client_id).order_by(
            "name"
        )


class BuildEscalationForm(forms.Form):
    engineer = forms.ChoiceField(label=_("Ingénieur BUILD"))
    reason = forms.CharField(
        label=_("Motif de l'escalade"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, ranked: list[tuple[Technician, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self._engineers = {str(t.pk): t for t, _free in ranked}
        self.fields["engineer"].choices = [
            (
                str(t.pk),
                _("%(name)s – %(free)s demi-journée(s) libre(s) cette semaine")
                % {"name": t, "free": free},
            )
            for t, free in ranked
        ]

    def clean_engineer(self) -> Technician:
        return self._engineers[self.cleaned_data["engineer"]]
