"""The ticket page: qualification, SLA panel, timeline, actions, entries, attachments."""

from __future__ import annotations

from django.forms import ModelChoiceField
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Contact, Site
from staff.models import Technician
from tickets.models import Ticket

from ..access import staff_required, technician_of, user_is_manager
from ..actions import ACTIONS, available_actions
from ..forms import AttachmentForm, EntryForm
from ..slapanel import sla_panel
from ..timeline import timeline


def get_ticket(reference: str) -> Ticket:
    return get_object_or_404(
        Ticket.objects.select_related(
            "client",
            "contact",
            "site",
            "contract__referent__user",
            "assignee__user",
            "resolver__user",
            "created_by",
        ),
        reference=reference,
    )


def share_choices(ticket: Ticket, forms) -> None:
    """Load technicians, and the client's contacts and sites, once for all the action forms.

    Each model select would otherwise run its own query when rendered; validation of a
    submitted form still goes through the field's queryset.
    """
    wanted = {name for form in forms for name in form.fields}
    lists = {}
    if wanted & {"technician", "resolver"}:
        technicians = Technician.objects.select_related("user")
        lists["technician"] = lists["resolver"] = [
            (t.pk, str(t) if t.available else _("%(name)s (absent)") % {"name": t})
            for t in technicians
        ]
    if "contact" in wanted:
        lists["contact"] = [(c.pk, str(c)) for c in Contact.objects.filter(client=ticket.client_id)]
    if "site" in wanted:
        lists["site"] = [(s.pk, s.name) for s in Site.objects.filter(client=ticket.client_id)]
    for form in forms:
        for name, choices in lists.items():
            field = form.fields.get(name)
            if isinstance(field, ModelChoiceField):
                field.choices = [("", field.empty_label or "")] + choices


def render_ticket(request, ticket: Ticket, *, bound: dict | None = None, status: int = 200):
    """The full ticket page; ``bound`` holds forms that failed validation, shown with their
    errors and the user's input so nothing typed is lost."""
    bound = bound or {}
    now = timezone.now()
    manager = user_is_manager(request)
    allowed = available_actions(ticket, request.user, manager=manager)
    actions = []
    for name in allowed:
        action = ACTIONS[name]
        form = bound.get(name) or action.form(ticket=ticket, auto_id=f"id_{name}_%s")
        actions.append({"action": action, "form": form, "open": name in bound})
    share_choices(ticket, [a["form"] for a in actions])
    events = list(ticket.events.select_related("actor").order_by("at", "pk"))
    attachments = list(ticket.attachments.select_related("uploaded_by"))
    context = {
        "ticket": ticket,
        "sla": sla_panel(ticket, now),
        "lines": timeline(events, attachments),
        "minutes_total": sum(e.minutes_spent for e in events),
        "attachments": attachments,
        "interventions": list(ticket.interventions.select_related("technician__user")),
        "actions": actions,
        "entry_form": bound.get("entry") or EntryForm(auto_id="id_entry_%s"),
        "attachment_form": bound.get("attach") or AttachmentForm(auto_id="id_attach_%s"),
        "me": technician_of(request.user),
        "now": now,
    }
    return render(request, "backoffice/ticket.html", context, status=status)


@staff_required
def ticket_detail(request, reference: str):
    return render_ticket(request, get_ticket(reference))


@staff_required
def ticket_sla(request, reference: str):
    """The SLA panel alone, polled by htmx while the GTI clock runs."""
    ticket = get_object_or_404(Ticket, reference=reference)
    return render(
        request,
        "backoffice/_sla_panel.html",
        {"ticket": ticket, "sla": sla_panel(ticket, timezone.now())},
    )
