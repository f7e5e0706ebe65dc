"""The ticket page: qualification, SLA panel, timeline, actions, entries, attachments."""

from __future__ import annotations

from functools import cached_property

from django.db.models import OuterRef, Subquery
from django.forms import ModelChoiceField
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Contact, Site
from staff.models import Technician
from tickets.models import Ticket, TicketSeen
from tickets.services import ticket_mark_seen

from ..access import staff_required, technician_of, user_is_manager
from ..actions import ACTIONS, available_actions
from ..forms import AttachmentForm, EntryForm
from ..slapanel import sla_panel
from ..timeline import timeline
from ..watching import watchers_panel

# The ticket's own relations; its technicians (owner, resolver, the contract's referent) come
# from the page's list of technicians, loaded anyway for its forms (see ``attach_technicians``).
TICKET_RELATED = ("client", "contact", "site", "contract", "created_by", "follow_up_of")


def get_ticket(reference: str) -> Ticket:
    return get_object_or_404(
        Ticket.objects.select_related(
            *TICKET_RELATED, "contract__referent__user", "assignee__user", "resolver__user"
        ),
        reference=reference,
    )


def get_viewed_ticket(reference: str, viewer) -> Ticket:
    """The ticket for its page, with ``viewer_seen_at``: when ``viewer`` last opened it (None if
    never), read in the same query. Six joins rather than twelve: planning a twelve-table join
    cost more than running it (issue 23)."""
    seen = TicketSeen.objects.filter(ticket=OuterRef("pk"), user=viewer).values("seen_at")[:1]
    # The ticket it follows up, when there is one, on access: a second copy of the ticket
    # table in the join made planning it cost more than the rare extra query (issue 23).
    related = [name for name in TICKET_RELATED if name != "follow_up_of"]
    tickets = Ticket.objects.select_related(*related)
    return get_object_or_404(tickets.annotate(viewer_seen_at=Subquery(seen)), reference=reference)


def attach_technicians(ticket: Ticket, technicians: list[Technician], user) -> None:
    """The ticket's owner, resolver and referent, and the viewer's own profile, taken from
    ``technicians`` (every technician with their user) instead of a query or a join each."""
    by_pk = {t.pk: t for t in technicians}
    for name in ("assignee", "resolver"):
        technician = by_pk.get(getattr(ticket, f"{name}_id"))
        if technician is not None:
            setattr(ticket, name, technician)
    contract = ticket.contract
    if contract is not None and contract.referent_id in by_pk:
        contract.referent = by_pk[contract.referent_id]
    me = next((t for t in technicians if t.user_id == user.pk), None)
    if me is not None:
        user.technician = me


class PageLists:
    """Technicians and the client's contacts and sites, each loaded at most once for all the
    forms of the page (a model select would otherwise run its own query when rendered)."""

    def __init__(self, ticket: Ticket):
        self.ticket = ticket

    @cached_property
    def technicians(self) -> list[Technician]:
        return list(Technician.objects.select_related("user"))

    @cached_property
    def contacts(self) -> list[Contact]:
        return list(Contact.objects.filter(client=self.ticket.client_id))

    @cached_property
    def sites(self) -> list[Site]:
        return list(Site.objects.filter(client=self.ticket.client_id))


def share_choices(forms, lists: PageLists) -> None:
    """Fill the action forms' selects from ``lists``; validation of a submitted form still
    goes through the field's queryset."""
    wanted = {name for form in forms for name in form.fields}
    choices = {}
    if wanted & {"technician", "resolver"}:
        choices["technician"] = choices["resolver"] = [
            (t.pk, str(t) if t.available else _("%(name)s (absent)") % {"name": t})
            for t in lists.technicians
        ]
    if "contact" in wanted:
        choices["contact"] = [(c.pk, str(c)) for c in lists.contacts]
    if "site" in wanted:
        choices["site"] = [(s.pk, s.name) for s in lists.sites]
    for form in forms:
        for name, options in choices.items():
            field = form.fields.get(name)
            if isinstance(field, ModelChoiceField):
                field.choices = [("", field.empty_label or "")] + options


def interventions(ticket: Ticket, technicians: list[Technician]) -> list:
    """The ticket's planned interventions, their technicians from the page's list."""
    by_pk = {t.pk: t for t in technicians}
    planned = list(ticket.interventions.all())
    for intervention in planned:
        if intervention.technician_id in by_pk:
            intervention.technician = by_pk[intervention.technician_id]
    return planned


def render_ticket(
    request,
    ticket: Ticket,
    *,
    bound: dict | None = None,
    status: int = 200,
    lists: PageLists | None = None,
):
    """The full ticket page; ``bound`` holds forms that failed validation, shown with their
    errors and the user's input so nothing typed is lost."""
    bound = bound or {}
    lists = lists or PageLists(ticket)
    now = timezone.now()
    manager = user_is_manager(request)
    allowed = available_actions(ticket, request.user, manager=manager)
    actions = []
    for name in allowed:
        action = ACTIONS[name]
        form = bound.get(name) or action.form(ticket=ticket, auto_id=f"id_{name}_%s")
        actions.append({"action": action, "form": form, "open": name in bound})
    share_choices([a["form"] for a in actions], lists)
    events = list(ticket.events.select_related("actor").order_by("at", "pk"))
    attachments = list(ticket.attachments.select_related("uploaded_by"))
    context = {
        "ticket": ticket,
        "sla": sla_panel(ticket, now),
        "lines": timeline(events, attachments),
        "minutes_total": sum(e.minutes_spent for e in events),
        "attachments": attachments,
        "interventions": interventions(ticket, lists.technicians),
        "follow_ups": list(ticket.follow_ups.only("reference", "title", "state", "created_at")),
        "actions": actions,
        "entry_form": bound.get("entry") or EntryForm(auto_id="id_entry_%s"),
        "attachment_form": bound.get("attach") or AttachmentForm(auto_id="id_attach_%s"),
        "me": technician_of(request.user),
        "now": now,
        **watchers_panel(
            ticket,
            request.user,
            technicians=lists.technicians,
            contacts=lists.contacts,
            form=bound.get("watch"),
        ),
    }
    return render(request, "backoffice/ticket.html", context, status=status)


@staff_required
def ticket_detail(request, reference: str):
    ticket = get_viewed_ticket(reference, request.user)
    lists = PageLists(ticket)
    attach_technicians(ticket, lists.technicians, request.user)
    # Seen as of before the page read the log: activity arriving meanwhile stays unread.
    seen_at = timezone.now()
    response = render_ticket(request, ticket, lists=lists)
    if has_unseen_activity(ticket):
        ticket_mark_seen(ticket=ticket, user=request.user, at=seen_at)
    return response


def has_unseen_activity(ticket: Ticket) -> bool:
    """Client activity the viewer's mark does not cover yet (``tickets.selectors.
    unread_activity_q``). Otherwise moving the mark changes nothing anybody sees, and the page
    view stays a read: no write, no commit waiting on the disk (issue 23)."""
    activity = ticket.last_client_activity_at
    seen = ticket.viewer_seen_at
    return activity is not None and (seen is None or seen < activity)


@staff_required
def ticket_sla(request, reference: str):
    """The SLA panel alone, polled by htmx while the GTI clock runs."""
    ticket = get_object_or_404(Ticket, reference=reference)
    return render(
        request,
        "backoffice/_sla_panel.html",
        {"ticket": ticket, "sla": sla_panel(ticket, timezone.now())},
    )
