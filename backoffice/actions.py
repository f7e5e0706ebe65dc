"""Ticket actions offered in the back-office: which ones a user may take, their forms, and the
service call behind each.

Allowed = the state machine allows it (``django_fsm``'s available transitions, or the service's
own rule for assignment and escalation) AND the role rules below:

``staff.policy`` (the rules of every door): the manager and the deputy may do everything; a
technician acts on tickets that are theirs (assignee, or L2/L3 resolver) or still unassigned,
may assign an unassigned ticket to themself, never take over a colleague's ticket; any staff
member may add reports, notes and attachments to any ticket. The services ask the policy again
under the row lock, so what is offered here is also what is enforced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Contact, Site
from sla.policy import Urgency
from staff import policy
from staff.models import Level, Technician
from staff.policy import Action as PolicyAction
from tickets import planning, services
from tickets.models import (
    EscalationLevel,
    Kind,
    PendingOn,
    ServiceType,
    State,
    TechnicalDomain,
    Ticket,
)

from .access import technician_of
from .forms import BLANK, URGENCY_CHOICES, InterventionForm, MinutesField


class ActionForm(forms.Form):
    def __init__(self, *args, ticket: Ticket, **kwargs):
        self.ticket = ticket
        super().__init__(*args, **kwargs)


class NoInputForm(ActionForm):
    pass


class AssignForm(ActionForm):
    technician = forms.ModelChoiceField(
        Technician.objects.select_related("user"), label=gettext_lazy("Technicien")
    )
    note = forms.CharField(label=gettext_lazy("Commentaire"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["technician"]
        field.label_from_instance = lambda t: (
            str(t) if t.available else _("%(name)s (absent)") % {"name": t}
        )


class PendingForm(ActionForm):
    on = forms.ChoiceField(
        label=gettext_lazy("En attente de"), choices=PendingOn.choices, initial=PendingOn.CLIENT
    )
    reason = forms.CharField(label=gettext_lazy("Motif (visible du client)"), max_length=255)


class NoteForm(ActionForm):
    note = forms.CharField(
        label=gettext_lazy("Commentaire"), required=False, widget=forms.Textarea({"rows": 2})
    )


class ResolveForm(ActionForm):
    note = forms.CharField(
        label=gettext_lazy("Compte-rendu de résolution (visible du client)"),
        widget=forms.Textarea({"rows": 3}),
    )
    minutes_spent = MinutesField()


class ReasonForm(ActionForm):
    reason = forms.CharField(label=gettext_lazy("Motif"), widget=forms.Textarea({"rows": 2}))


class QualificationForm(ActionForm):
    """The qualification fields, prefilled from the ticket; site and contact of its client."""

    kind = forms.ChoiceField(label=gettext_lazy("Nature"), choices=Kind.choices)
    complexity = forms.ChoiceField(label=gettext_lazy("Complexité"), choices=Level.choices)
    technical_domain = forms.ChoiceField(
        label=gettext_lazy("Domaine technique"),
        choices=BLANK + TechnicalDomain.choices,
        required=False,
    )
    service_type = forms.ChoiceField(
        label=gettext_lazy("Type de prestation"),
        choices=BLANK + ServiceType.choices,
        required=False,
    )
    equipment = forms.CharField(
        label=gettext_lazy("Matériel ou projet"), max_length=200, required=False
    )
    billable = forms.BooleanField(label=gettext_lazy("Facturable"), required=False)
    site = forms.ModelChoiceField(Site.objects.none(), label=gettext_lazy("Site"), required=False)
    contact = forms.ModelChoiceField(
        Contact.objects.none(), label=gettext_lazy("Contact"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ticket = self.ticket
        self.fields["site"].queryset = Site.objects.filter(
            client_id=ticket.client_id
        ).select_related("client")
        self.fields["contact"].queryset = Contact.objects.filter(client_id=ticket.client_id)
        for name in self.qualification_fields():
            self.fields[name].initial = getattr(ticket, name)

    def qualification_fields(self) -> list[str]:
        return [name for name in services.QUALIFICATION_FIELDS if name in self.fields]

    def qualification(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.qualification_fields()}


class CloseForm(QualificationForm):
    """Closing: the mandatory synthesis and the re-qualification (urgency included)."""

    synthesis = forms.CharField(
        label=gettext_lazy("Commentaire de synthèse"), widget=forms.Textarea({"rows": 3})
    )
    urgency = forms.ChoiceField(label=gettext_lazy("Urgence"), choices=URGENCY_CHOICES)
    field_order = ["synthesis", "kind", "urgency"]


class RequalifyForm(QualificationForm):
    note = forms.CharField(label=gettext_lazy("Commentaire"), required=False, max_length=500)


class EscalateForm(ActionForm):
    level = forms.TypedChoiceField(label=gettext_lazy("Niveau"), coerce=int)
    resolver = forms.ModelChoiceField(
        Technician.objects.select_related("user"),
        label=gettext_lazy("Ingénieur chargé de la résolution (facultatif)"),
        required=False,
        help_text=gettext_lazy("Le technicien affecté reste propriétaire et informe le client."),
    )
    reason = forms.CharField(label=gettext_lazy("Motif"), widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [
            (value, label)
            for value, label in EscalationLevel.choices
            if value > self.ticket.escalation_level
        ]


class UrgencyForm(ActionForm):
    urgency = forms.ChoiceField(label=gettext_lazy("Nouvelle urgence"), choices=URGENCY_CHOICES)
    note = forms.CharField(label=gettext_lazy("Motif"), required=False, max_length=500)

    def clean_urgency(self):
        value = self.cleaned_data["urgency"]
        if value == self.ticket.urgency:
            raise forms.ValidationError(_("La demande a déjà cette urgence."))
        return Urgency(value)


class PlanForm(InterventionForm):
    def __init__(self, *args, ticket: Ticket, **kwargs):
        self.ticket = ticket
        super().__init__(*args, **kwargs)


def _close(ticket, user, data):
    qualification = {name: data[name] for name in services.QUALIFICATION_FIELDS}
    services.ticket_close(
        ticket=ticket, by=user, synthesis=data["synthesis"], qualification=qualification
    )


def _requalify(ticket, user, data):
    values = {name: data[name] for name in services.QUALIFICATION_FIELDS if name != "urgency"}
    services.ticket_requalify(ticket=ticket, by=user, values=values, note=data["note"])


def _plan(ticket, user, data):
    planning.intervention_plan(
        ticket=ticket,
        technician=data["technician"],
        starts_at=data["starts_at"],
        duration=timedelta(minutes=data["duration_minutes"]),
        mode=data["mode"],
        travel_minutes=data["travel_minutes"],
        notes=data["notes"],
        by=user,
    )


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    form: type[forms.Form]
    run: Callable[[Ticket, object, dict], object]
    done: str
    primary: bool = False


def _actions() -> dict[str, Action]:
    s = services
    entries = [
        Action(
            "take_in_charge",
            gettext_lazy("Prendre en charge"),
            NoInputForm,
            lambda t, u, d: s.ticket_take_in_charge(ticket=t, by=u),
            gettext_lazy("Demande prise en charge."),
            primary=True,
        ),
        Action(
            "assign_self",
            gettext_lazy("M'affecter la demande"),
            NoInputForm,
            lambda t, u, d: s.ticket_assign(ticket=t, technician=technician_of(u), by=u),
            gettext_lazy("Demande affectée à vous."),
        ),
        Action(
            "assign",
            gettext_lazy("Affecter / réaffecter"),
            AssignForm,
            lambda t, u, d: s.ticket_assign(
                ticket=t, technician=d["technician"], by=u, note=d["note"]
            ),
            gettext_lazy("Affectation enregistrée."),
        ),
        Action(
            "put_pending",
            gettext_lazy("Mettre en attente"),
            PendingForm,
            lambda t, u, d: s.ticket_set_pending(ticket=t, by=u, reason=d["reason"], on=d["on"]),
            gettext_lazy("Demande mise en attente."),
        ),
        Action(
            "resume",
            gettext_lazy("Reprendre"),
            NoteForm,
            lambda t, u, d: s.ticket_resume(ticket=t, by=u, note=d["note"]),
            gettext_lazy("Traitement repris."),
            primary=True,
        ),
        Action(
            "resolve",
            gettext_lazy("Résoudre"),
            ResolveForm,
            lambda t, u, d: s.ticket_resolve(
                ticket=t, by=u, note=d["note"], minutes_spent=d["minutes_spent"]
            ),
            gettext_lazy("Demande résolue."),
            primary=True,
        ),
        Action(
            "close",
            gettext_lazy("Clôturer"),
            CloseForm,
            _close,
            gettext_lazy("Demande clôturée."),
            primary=True,
        ),
        Action(
            "reopen",
            gettext_lazy("Réouvrir"),
            ReasonForm,
            lambda t, u, d: s.ticket_reopen(ticket=t, by=u, reason=d["reason"]),
            gettext_lazy("Demande réouverte."),
        ),
        Action(
            "escalate",
            gettext_lazy("Escalader"),
            EscalateForm,
            lambda t, u, d: s.ticket_escalate(
                ticket=t, by=u, reason=d["reason"], level=d["level"], resolver=d["resolver"]
            ),
            gettext_lazy("Demande escaladée."),
        ),
        Action(
            "urgency",
            gettext_lazy("Changer l'urgence"),
            UrgencyForm,
            lambda t, u, d: s.ticket_change_urgency(
                ticket=t, by=u, urgency=d["urgency"], note=d["note"]
            ),
            gettext_lazy("Urgence modifiée."),
        ),
        Action(
            "requalify",
            gettext_lazy("Requalifier"),
            RequalifyForm,
            _requalify,
            gettext_lazy("Qualification mise à jour."),
        ),
        Action(
            "plan",
            gettext_lazy("Planifier une intervention"),
            PlanForm,
            _plan,
            gettext_lazy("Intervention planifiée."),
        ),
        Action(
            "cancel",
            gettext_lazy("Annuler la demande"),
            ReasonForm,
            lambda t, u, d: s.ticket_cancel(ticket=t, by=u, reason=d["reason"]),
            gettext_lazy("Demande annulée."),
        ),
    ]
    return {action.name: action for action in entries}


ACTIONS = _actions()

FSM_ACTIONS = ("put_pending", "resume", "resolve", "close", "reopen", "cancel")


# The policy action behind each back-office action.
POLICY_ACTIONS = {
    "take_in_charge": PolicyAction.TICKET_TAKE,
    "assign_self": PolicyAction.TICKET_ASSIGN,
    "assign": PolicyAction.TICKET_ASSIGN,
    "put_pending": PolicyAction.TICKET_PENDING,
    "resume": PolicyAction.TICKET_RESUME,
    "resolve": PolicyAction.TICKET_RESOLVE,
    "close": PolicyAction.TICKET_CLOSE,
    "reopen": PolicyAction.TICKET_REOPEN,
    "escalate": PolicyAction.TICKET_ESCALATE,
    "urgency": PolicyAction.TICKET_URGENCY,
    "requalify": PolicyAction.TICKET_REQUALIFY,
    "plan": PolicyAction.TICKET_PLAN,
    "cancel": PolicyAction.TICKET_CANCEL,
}


def available_actions(ticket: Ticket, user, *, manager: bool) -> list[str]:
    """Names of the actions ``user`` may take on ``ticket`` now, in display order: the state
    machine allows it and ``staff.policy`` allows it to ``user``."""
    fsm = {transition.name for transition in ticket.get_available_state_transitions()}
    possible = {name for name in FSM_ACTIONS if name in fsm}
    if "take_in_charge" in fsm:
        possible.add("take_in_charge")
    if ticket.is_open:
        possible.update({"urgency", "plan"})
        # The manager gets the form to (re)assign anybody; a technician only "assign to me".
        possible.add("assign" if manager else "assign_self")
        if ticket.escalation_level < max(EscalationLevel.values):
            possible.add("escalate")
    if ticket.state not in (State.CLOSED, State.CANCELLED):
        possible.add("requalify")
    allowed = {name for name in possible if _allowed(name, ticket, user)}
    return [name for name in ACTIONS if name in allowed]


def _allowed(name: str, ticket: Ticket, user) -> bool:
    if name == "assign_self":
        me = technician_of(user)
        return (
            me is not None
            and ticket.assignee_id is None
            and policy.allows(user, PolicyAction.TICKET_ASSIGN, ticket, technician=me)
        )
    if name == "assign":
        return policy.allows(user, PolicyAction.DISPATCH)
    return policy.allows(user, POLICY_ACTIONS[name], ticket)


def refusal(action: str, ticket: Ticket, user, *, manager: bool) -> str:
    """Why ``action`` is not offered: the policy's reason, or the ticket's state."""
    if action in ("assign", "assign_self") and ticket.is_open and not manager:
        return _("Seuls le responsable du centre et son suppléant peuvent réaffecter une demande.")
    if action in POLICY_ACTIONS:
        reason = policy.refusal(user, POLICY_ACTIONS[action], ticket)
        if reason is not None:
            return reason
    label = ACTIONS[action].label if action in ACTIONS else action
    return _("Action « %(action)s » impossible : la demande %(ref)s est « %(state)s ».") % {
        "action": label,
        "ref": ticket.reference,
        "state": ticket.get_state_display(),
    }
