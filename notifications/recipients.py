"""Who receives which email: the client's people (requester, declared addresses, watching
contacts) for lifecycle mails, closure reminders and digests; the assignee and the managers for
GTI warnings. Addresses are compared case-insensitively and never repeated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

from clients.models import Contact, split_emails
from staff.models import DEPUTY_GROUP, MANAGER_GROUP
from tickets.models import NOT_TAKEN_STATES, EventKind, State, Ticket, TicketEvent, TicketWatcher

from .models import Notification, NotificationKind

CLIENT = Notification.Audience.CLIENT
STAFF = Notification.Audience.STAFF


@dataclass(frozen=True)
class Recipient:
    email: str  # lower-case
    language: str
    audience: str


def normalise(address: str) -> str:
    return (address or "").strip().lower()


def notification_kind(event: TicketEvent) -> str | None:
    """The email an event triggers, or None. Only creation, taking in charge, closure, the
    reminder before automatic closure (public events, for the client) and GTI warnings (for
    staff) are mailed as they happen; everything else public reaches the client through the
    17:00 digest."""
    if event.kind == EventKind.CREATED and event.public:
        return NotificationKind.CREATED
    if event.kind == EventKind.CLOSURE_REMINDER and event.public:
        return NotificationKind.CLOSURE_REMINDER
    if event.kind == EventKind.TRANSITION and event.public:
        if event.to_state == State.IN_PROGRESS and event.from_state in NOT_TAKEN_STATES:
            return NotificationKind.TAKEN_IN_CHARGE
        if event.to_state == State.CLOSED:
            return NotificationKind.CLOSED
        if event.to_state == State.CANCELLED and event.payload.get("merged_into"):
            # A merged duplicate ends there for the client: the closing mail, worded as a merge
            # (it names the request that continues it; see relations.services.ticket_merge).
            return NotificationKind.CLOSED
    if event.kind == EventKind.SLA_WARNING:
        return NotificationKind.SLA_WARNING
    return None


def client_recipients(
    ticket: Ticket,
    languages: dict[str, str] | None = None,
    watchers: list[tuple[str, str]] | None = None,
) -> list[Recipient]:
    """The requesting contact, the addresses declared on the client and on the contract, then
    the client's contacts watching the ticket.

    ``languages`` maps lower-case addresses to a contact language (see ``contact_languages``);
    ``watchers`` are the watching contacts' (address, language) (see ``watching_contacts``);
    without them one query each looks them up. Unknown addresses get French.
    """
    addresses: list[str] = []
    contact = ticket.contact
    if contact is not None and contact.is_active and contact.email:
        addresses.append(contact.email)
    addresses += split_emails(ticket.client.notification_recipients or "")
    if ticket.contract is not None:
        addresses += split_emails(ticket.contract.notification_recipients or "")
    if watchers is None:
        watchers = watching_contacts([ticket]).get(ticket.pk, [])
    declared = _unique(addresses)
    unique = _unique(declared + [address for address, _language in watchers])
    if languages is None:
        languages = contact_languages([ticket.client_id], declared)
    # A person's own contact record says their language, whatever else shares the address.
    languages = {**languages, **{normalise(a): language for a, language in watchers}}
    if contact is not None and contact.email:
        languages = {**languages, normalise(contact.email): contact.language}
    return [Recipient(a, languages.get(a, "fr"), CLIENT) for a in unique]


def watching_contacts(tickets: Iterable[Ticket]) -> dict[int, list[tuple[str, str]]]:
    """The active contacts of each ticket's own client watching it, as (address, language), in
    the order they were added (one query whatever the number of tickets)."""
    clients = {ticket.pk: ticket.client_id for ticket in tickets}
    if not clients:
        return {}
    rows = (
        TicketWatcher.objects.filter(
            ticket_id__in=list(clients), contact__isnull=False, contact__is_active=True
        )
        .exclude(contact__email="")
        .order_by("added_at", "pk")
        .values_list("ticket_id", "contact__client_id", "contact__email", "contact__language")
    )
    found: dict[int, list[tuple[str, str]]] = {}
    for ticket_id, client_id, address, language in rows:
        # A contact who moved to another client since loses the mails of the old one.
        if client_id == clients[ticket_id]:
            found.setdefault(ticket_id, []).append((address, language))
    return found


def contact_languages(client_ids: Iterable[int], addresses: Iterable[str]) -> dict[str, str]:
    """Language of the clients' contacts having these addresses (one query)."""
    wanted = {normalise(a) for a in addresses if a}
    if not wanted:
        return {}
    rows = (
        Contact.objects.filter(client_id__in=list(client_ids))
        .annotate(address=Lower("email"))
        .filter(address__in=wanted)
        .order_by("pk")
    )
    languages: dict[str, str] = {}
    for address, language in rows.values_list("address", "language"):
        languages.setdefault(address, language)
    return languages


def staff_recipients(ticket: Ticket) -> list[Recipient]:
    """The assignee and the centre's managers (manager and deputy groups), in French."""
    addresses = []
    if ticket.assignee_id and ticket.assignee.user.is_active:
        addresses.append(ticket.assignee.user.email)
    managers = get_user_model().objects.filter(
        is_active=True, groups__name__in=[MANAGER_GROUP, DEPUTY_GROUP]
    )
    addresses += sorted(managers.exclude(email="").values_list("email", flat=True).distinct())
    return [Recipient(a, "fr", STAFF) for a in _unique(addresses)]


def event_recipients(event: TicketEvent, kind: str) -> list[Recipient]:
    """Recipients of an event's email, without the author of the event (nobody gets a copy of
    their own action) — except a client who opened a request themselves (extranet): the
    creation mail is their confirmation, with the reference and the GTI deadline."""
    ticket = event.ticket
    people = staff_recipients(ticket) if kind == NotificationKind.SLA_WARNING else None
    if people is None:
        people = client_recipients(ticket)
    actor = event.actor if event.actor_id else None
    if actor is None or (kind == NotificationKind.CREATED and not actor.is_staff):
        return people
    author = normalise(actor.email)
    return [r for r in people if r.email != author]


def _unique(addresses: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for address in addresses:
        clean = normalise(address)
        if clean and "@" in clean:
            seen.setdefault(clean, None)
    return list(seen)
