"""The ticket page: qualification, SLA panel, timeline, actions, entries, attachments."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.forms import ModelChoiceField
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Contact, Site
from oceanis.db import HotSelect
from staff.models import Technician
from tickets.models import Ticket
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


# The page's ticket: compiling its ORM query (six tables and the viewer's mark in a sub-select)
# cost twice running it, and PostgreSQL planned it at every page; prepared, planning is paid once
# per connection (issue 23). Six joins rather than twelve: planning a twelve-table join cost more
# than running it. The ticket it follows up, when there is one, is read on access: a second copy
# of the ticket table in the join cost more than the rare extra query. tests/oceanis/
# test_hotselect.py holds it equal to the ORM query it replaces.
_VIEWED_TICKET = HotSelect(
    "tickets.Ticket",
    "clients.Client",
    "clients.Contact",
    "clients.Site",
    "clients.Contract",
    settings.AUTH_USER_MODEL,
    tail='FROM {0} INNER JOIN {1} ON {0}."client_id" = {1}."id" '
    'LEFT OUTER JOIN {2} ON {0}."contact_id" = {2}."id" '
    'LEFT OUTER JOIN {3} ON {0}."site_id" = {3}."id" '
    'LEFT OUTER JOIN {4} ON {0}."contract_id" = {4}."id" '
    'LEFT OUTER JOIN {5} ON {0}."created_by_id" = {5}."id" '
    'WHERE {0}."reference" = %s',
    extra=[
        (
            '(SELECT {table}."seen_at" FROM {table} '
            'WHERE {table}."ticket_id" = {0}."id" AND {table}."user_id" = %s LIMIT 1)',
            "tickets.TicketSeen.seen_at",
        )
    ],
)


def get_viewed_ticket(reference: str, viewer) -> Ticket:
    """The ticket for its page, its client, contact, site, contract and author loaded, with
    ``viewer_seen_at``: when ``viewer`` last opened it (None if never), read in the same
    statement. A 404 for an unknown reference."""
    row = _VIEWED_TICKET.first([viewer.pk, reference])
    if row is None:
        raise Http404
    ticket, client, contact, site, contract, created_by, seen_at = row
    ticket.client, ticket.contact, ticket.site = client, contact, site
    ticket.contract, ticket.created_by = contract, created_by
    ticket.viewer_seen_at = seen_at
    return ticket


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


def action_urls(reference: str, names) -> dict[str, str]:
    """The URL of each action of the ticket, from one reversal: they differ only by the action's
    name, a slug, which ``reverse()`` leaves as it is."""
    head, tail = reverse("backoffice:ticket_action", args=[reference, "-"]).rsplit("/-/", 1)
    return {name: f"{head}/{name}/{tail}" for name in names}


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
    urls = action_urls(ticket.reference, allowed)
    actions = []
    for name in allowed:
        action = ACTIONS[name]
        form = bound.get(name) or action.form(ticket=ticket, auto_id=f"id_{name}_%s")
        actions.append({"action": action, "form": form, "open": name in bound, "url": urls[name]})
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
