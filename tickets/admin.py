"""The manager's raw view of tickets: read-only rows, changes only through the services.

Every field is read-only and nothing is deleted (cancellation is the way): the event log is the
timeline, the audit trail and the basis of the GTI figures clients are billed on, so a change
that would not write its event is not offered. Workflow and qualification changes are admin
actions calling ``tickets.services`` with the manager as actor.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .admin_actions import ReadOnlyInline, ViewOnlyMixin, WorkflowPermissionMixin, service_action
from .admin_forms import (
    AssignForm,
    CloseForm,
    EscalateForm,
    OptionalNoteForm,
    PendingForm,
    ReasonForm,
    ResolveForm,
    ResolverForm,
    UrgencyForm,
    requalified_values,
    requalify_form,
)
from .models import (
    Attachment,
    PlannedIntervention,
    ReferenceCounter,
    State,
    Ticket,
    TicketEvent,
)

TICKET_REFUSALS = (services.TicketTransitionError,)

# Admin action → the FSM transition it applies (the others act on any open ticket).
TRANSITIONS = {
    "take_in_charge": "take_in_charge",
    "set_pending": "put_pending",
    "resume": "resume",
    "resolve": "resolve",
    "close": "close",
    "reopen": "reopen",
    "cancel": "cancel",
}


def _fixed(form_class):
    return lambda modeladmin, request, queryset: form_class


def _requalify_form(modeladmin, request, queryset):
    clients = set(queryset.values_list("client_id", flat=True).distinct()[:2])
    return requalify_form(clients.pop() if len(clients) == 1 else None)


def _take_in_charge(request, ticket):
    services.ticket_take_in_charge(ticket=ticket, by=request.user)


def _assign(request, ticket, *, technician, note):
    services.ticket_assign(ticket=ticket, technician=technician, by=request.user, note=note)


def _change_urgency(request, ticket, *, urgency, note):
    services.ticket_change_urgency(ticket=ticket, urgency=urgency, by=request.user, note=note)


def _requalify(request, ticket, **data):
    services.ticket_requalify(
        ticket=ticket, values=requalified_values(data), by=request.user, note=data.get("note", "")
    )


def _escalate(request, ticket, *, level, resolver, reason):
    services.ticket_escalate(
        ticket=ticket, level=level, resolver=resolver, reason=reason, by=request.user
    )


def _set_resolver(request, ticket, *, resolver, reason):
    services.ticket_set_resolver(ticket=ticket, resolver=resolver, reason=reason, by=request.user)


def _set_pending(request, ticket, *, on, reason):
    services.ticket_set_pending(ticket=ticket, on=on, reason=reason, by=request.user)


def _resume(request, ticket, *, note):
    services.ticket_resume(ticket=ticket, note=note, by=request.user)


def _resolve(request, ticket, *, note, minutes_spent):
    services.ticket_resolve(ticket=ticket, note=note, minutes_spent=minutes_spent, by=request.user)


def _close(request, ticket, *, note):
    services.ticket_close(ticket=ticket, synthesis=note, by=request.user)


def _reopen(request, ticket, *, note):
    services.ticket_reopen(ticket=ticket, reason=note, by=request.user)


def _cancel(request, ticket, *, note):
    services.ticket_cancel(ticket=ticket, reason=note, by=request.user)


def _ticket_action(description, perform, form=None):
    return service_action(
        description=description,
        perform=perform,
        form=_fixed(form) if isinstance(form, type) else form,
        refusals=TICKET_REFUSALS,
    )


class TicketEventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("at", "kind", "actor", "from_state", "to_state", "public", "body", "minutes_spent")
    readonly_fields = fields
    ordering = ("at", "pk")


@admin.register(Ticket)
class TicketAdmin(WorkflowPermissionMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "title",
        "client",
        "urgency",
        "state",
        "assignee",
        "created_at",
        "gti_deadline",
        "gti_met",
    )
    list_filter = ("state", "urgency", "kind", "channel", "complexity", "escalation_level")
    search_fields = ("reference", "title", "client__name", "contact__last_name")
    list_select_related = ("client", "assignee__user")
    date_hierarchy = "created_at"
    inlines = [TicketEventInline]
    actions = [
        _ticket_action(_("Prendre en charge"), _take_in_charge),
        _ticket_action(_("Affecter à un technicien"), _assign, AssignForm),
        _ticket_action(_("Changer l'urgence"), _change_urgency, UrgencyForm),
        _ticket_action(_("Requalifier"), _requalify, _requalify_form),
        _ticket_action(_("Escalader"), _escalate, EscalateForm),
        _ticket_action(_("Changer de résolveur"), _set_resolver, ResolverForm),
        _ticket_action(_("Mettre en attente"), _set_pending, PendingForm),
        _ticket_action(_("Reprendre"), _resume, OptionalNoteForm),
        _ticket_action(_("Résoudre"), _resolve, ResolveForm),
        _ticket_action(_("Clôturer (synthèse)"), _close, CloseForm),
        _ticket_action(_("Réouvrir"), _reopen, ReasonForm),
        _ticket_action(_("Annuler (motif)"), _cancel, ReasonForm),
    ]

    def service_action_available(self, obj, name):
        if name in TRANSITIONS:
            allowed = {t.name for t in obj.get_available_state_transitions()}
            return TRANSITIONS[name] in allowed
        if name == "requalify":
            return obj.state not in (State.CLOSED, State.CANCELLED)
        return obj.is_open


@admin.register(TicketEvent)
class TicketEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "kind", "actor", "at", "from_state", "to_state", "public")
    list_filter = ("kind", "public")
    search_fields = ("ticket__reference", "body")
    list_select_related = ("ticket", "actor")


@admin.register(ReferenceCounter)
class ReferenceCounterAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ("year", "last_number")


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Files arrive with a report, a mail or an extranet comment; their visibility is part of
    the ticket's history, so it is not edited here. The file is downloaded through the
    back-office's permission-checked view (media files are never served)."""

    list_display = ("original_name", "ticket", "size", "public", "uploaded_by", "uploaded_at")
    search_fields = ("original_name", "ticket__reference")
    list_select_related = ("ticket", "uploaded_by")
    fields = (
        "ticket",
        "event",
        "download",
        "original_name",
        "content_type",
        "size",
        "public",
        "uploaded_by",
        "uploaded_at",
    )
    readonly_fields = fields

    @admin.display(description=_("fichier"))
    def download(self, obj):
        url = reverse("backoffice:attachment", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PlannedIntervention)
class PlannedInterventionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Planned from the ticket page (``tickets.planning.intervention_plan``), which logs it on
    the client's timeline; read-only here."""

    list_display = ("ticket", "technician", "starts_at", "duration", "mode", "cancelled")
    list_filter = ("mode", "cancelled")
    list_select_related = ("ticket", "technician__user")
