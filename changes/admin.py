"""Problems and change requests in the admin: read-only records and logs, moved along their
lifecycle only by an action calling ``changes.services`` (which checks the approval rules and
writes the log line). The change and problem pages of the back-office remain the working screens.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tickets.admin_actions import ReadOnlyInline, WorkflowPermissionMixin, service_action

from . import services
from .models import ChangeLog, ChangeRequest, Problem, ProblemLog


class _LogInline(ReadOnlyInline):
    fields = ["at", "action", "by", "from_state", "to_state", "note"]
    readonly_fields = fields


class ProblemLogInline(_LogInline):
    model = ProblemLog


class ChangeLogInline(_LogInline):
    model = ChangeLog


class ProblemTransitionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=list(services.PROBLEM_ACTIONS.items()))
    note = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea)


class ChangeTransitionForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), choices=list(services.CHANGE_ACTIONS.items()))
    outcome = forms.ChoiceField(
        label=_("Résultat (mise en œuvre)"),
        choices=[("", "—"), *ChangeRequest.Outcome.choices],
        required=False,
    )
    note = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea)


def _problem_transition(request, problem, *, action, note):
    services.problem_transition(problem=problem, action=action, note=note, by=request.user)


def _change_transition(request, change, *, action, outcome, note):
    services.change_transition(
        change=change, action=action, outcome=outcome, note=note, by=request.user
    )


@admin.register(Problem)
class ProblemAdmin(WorkflowPermissionMixin, admin.ModelAdmin):
    list_display = ["reference", "title", "state", "owner", "created_at"]
    list_filter = ["state"]
    search_fields = ["title", "root_cause"]
    list_select_related = ["owner__user"]
    exclude = ["incidents", "tickets"]
    inlines = [ProblemLogInline]
    actions = [
        service_action(
            description=_("Faire avancer le cycle de vie"),
            perform=_problem_transition,
            form=lambda modeladmin, request, queryset: ProblemTransitionForm,
            refusals=(services.RecordTransitionError,),
        )
    ]

    def service_action_available(self, obj, name):
        return bool(services.problem_actions(obj))


@admin.register(ChangeRequest)
class ChangeRequestAdmin(WorkflowPermissionMixin, admin.ModelAdmin):
    list_display = ["reference", "title", "change_type", "risk", "state", "planned_start"]
    list_filter = ["state", "change_type", "risk"]
    search_fields = ["title", "description"]
    exclude = ["affected_clients", "problems", "tickets", "approvers"]
    inlines = [ChangeLogInline]
    actions = [
        service_action(
            description=_("Faire avancer le cycle de vie"),
            perform=_change_transition,
            form=lambda modeladmin, request, queryset: ChangeTransitionForm,
            refusals=(services.RecordTransitionError,),
        )
    ]

    def service_action_available(self, obj, name):
        return bool(obj.get_available_state_transitions())
