"""Reads: who is calling, the live call of a technician, the call logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from clients.models import Client, Contact, Contract, Site
from oceanis.phones import normalize
from tickets.models import OPEN_STATES, Ticket

from .models import Call

# A call still "live" after this long lost its end event (PBX restart): no card for it any more.
LIVE_WINDOW = timedelta(hours=4)
OPEN_TICKETS_SHOWN = 10


@dataclass(frozen=True)
class Caller:
    """Who a number belongs to; every part may be unknown."""

    contact: Contact | None = None
    site: Site | None = None
    client: Client | None = None


def caller_identify(e164: str) -> Caller:
    """The contact (phone or mobile), else the site, else the client whose stored number is
    ``e164``. Several active contacts of one client sharing the number (a reception desk)
    identify the client only; a number shared by two clients identifies nobody."""
    if not e164:
        return Caller()
    contacts = list(
        Contact.objects.filter(Q(phone_e164=e164) | Q(mobile_e164=e164))
        .filter(is_active=True, client__is_active=True)
        .select_related("client", "site")[:10]
    )
    if len(contacts) == 1:
        contact = contacts[0]
        return Caller(contact=contact, site=contact.site, client=contact.client)
    if contacts:
        client_ids = {c.client_id for c in contacts}
        return Caller(client=contacts[0].client) if len(client_ids) == 1 else Caller()
    sites = list(
        Site.objects.filter(phone_e164=e164, client__is_active=True).select_related("client")[:2]
    )
    if len(sites) == 1:
        return Caller(site=sites[0], client=sites[0].client)
    clients = list(Client.objects.filter(phone_e164=e164, is_active=True)[:2])
    if len(clients) == 1:
        return Caller(client=clients[0])
    return Caller()


def on_call_numbers() -> frozenset[str]:
    """The on-call lines (settings), normalised."""
    return frozenset(filter(None, (normalize(n) for n in settings.TELEPHONY_ONCALL_NUMBERS)))


def open_tickets(client_id: int | None, *, contact_id: int | None = None) -> QuerySet[Ticket]:
    """The client's open tickets, the caller's own first."""
    if client_id is None:
        return Ticket.objects.none()
    tickets = Ticket.objects.filter(client_id=client_id, state__in=OPEN_STATES)
    if contact_id is not None:
        mine = Case(When(contact_id=contact_id, then=Value(0)), default=Value(1))
        return tickets.annotate(mine=mine).order_by("mine", "-created_at")
    return tickets.order_by("-created_at")


def live_call_for(user) -> Call | None:
    """The call this staff member answered and is still on (the most recent one)."""
    since = timezone.now() - LIVE_WINDOW
    return (
        Call.objects.filter(answered_by=user, ended_at__isnull=True, started_at__gte=since)
        .select_related("contact", "site", "client", "ticket")
        .order_by("-started_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class CallCard:
    call: Call
    contract: Contract | None
    open_tickets: list[Ticket]


def call_card(call: Call) -> CallCard:
    """What the answering technician sees: caller, client, contract (hours plan, referent),
    open tickets."""
    contract = None
    tickets: list[Ticket] = []
    if call.client is not None:
        contract = call.client.active_contract(timezone.localdate())
        if contract is not None and contract.referent_id:
            contract = Contract.objects.select_related("referent__user").get(pk=contract.pk)
        tickets = list(
            open_tickets(call.client_id, contact_id=call.contact_id).select_related(
                "contact", "assignee__user"
            )[:OPEN_TICKETS_SHOWN]
        )
    return CallCard(call=call, contract=contract, open_tickets=tickets)


def call_log() -> QuerySet[Call]:
    """Every call, newest first, with what each list row shows."""
    return Call.objects.select_related("client", "contact", "ticket", "answered_by").order_by(
        "-started_at", "-pk"
    )
