"""Who receives which email: the client's people for lifecycle mails and digests, the assignee and
the managers for GTI warnings. Addresses are compared case-insensitively and never repeated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

from clients.models import Contact, split_emails
from staff.models import DEPUTY_GROUP, MANAGER_GROUP
from tickets.models import NOT_TAKEN_STATES, EventKind, State, Ticket, TicketEvent

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
    """The email an event triggers, or None. Only creation, taking in charge, closure (public
    events, for the client) and GTI warnings (for staff) are mailed as they happen; everything
    else public reaches the client through the 17:00 digest."""
    if event.kind == EventKind.CREATED and event.public:
        return NotificationKind.CREATED
    if event.kind == EventKind.TRANSITION and event.public:
        if event.to_state == State.IN_PROGRESS and event.from_state in NOT_TAKEN_STATES:
            return NotificationKind.TAKEN_IN_CHARGE
        if event.to_state == State.CLOSED:
            return NotificationKind.CLOSED
    if event.kind == EventKind.SLA_WARNING:
        return NotificationKind.SLA_WARNING
    return None


def client_recipients(ticket: Ticket, languages: dict[str, str] | None = None) -> list[Recipient]:
    """The requesting contact, then the addresses declared on the client and on the contract.

    ``languages`` maps lower-case addresses to a contact language (see ``contact_languages``);
    without it one query looks them up. Unknown addresses get French.
    """
    addresses: list[str] = []
    contact = ticket.contact
    if contact is not None and contact.is_active and contact.email:
        addresses.append(contact.email)
    addresses += split_emails(ticket.client.notification_recipients or "")
    if ticket.contract is not None:
        addresses += split_emails(ticket.contract.notification_recipients or "")
    unique = _unique(addresses)
    if languages is None:
        languages = contact_languages([ticket.client_id], unique)
    if contact is not None and contact.email:
        languages = {**languages, normalise(contact.email): contact.language}
    return [Recipient(a, languages.get(a, "fr"), CLIENT) for a in unique]


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
    their own action)."""
    ticket = event.ticket
    people = staff_recipients(ticket) if kind == NotificationKind.SLA_WARNING else None
    if people is None:
        people = client_recipients(ticket)
    author = normalise(event.actor.email) if event.actor_id and event.actor else ""
    return [r for r in people if r.email != author]


def _unique(addresses: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for address in addresses:
        clean = normalise(address)
        if clean and "@" in clean:
            seen.setdefault(clean, None)
    return list(seen)
