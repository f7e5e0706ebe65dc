"""People copied on a client's mail follow the ticket: each Cc (or extra To) address of an
active contact of the ticket's client becomes a watcher, and so receives the client mails."""

from __future__ import annotations

import logging
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q

from clients.models import Contact
from tickets.models import Ticket, TicketWatcher
from tickets.services import TicketTransitionError, ticket_watcher_add

from .mime import ParsedMail, addresses

logger = logging.getLogger(__name__)

# A mail copied to a whole department must not cost one query per address.
MAX_COPIED_ADDRESSES = 50


def inbound_cc_watchers(*, ticket: Ticket, parsed: ParsedMail) -> list[TicketWatcher]:
    """Add as watchers the contacts of ``ticket``'s client among the mail's Cc and To (our own
    mailboxes, the sender and the requester aside). Addresses of anyone else, another
    client's contacts included, are ignored. Returns the watchers added or already there."""
    copied = _copied_addresses(parsed)
    if not copied:
        return []
    contacts = Contact.objects.filter(
        reduce(or_, (Q(email__iexact=address) for address in copied)),
        client_id=ticket.client_id,
        is_active=True,
    ).exclude(pk=ticket.contact_id)
    watchers = []
    for contact in contacts.order_by("pk"):
        try:
            watchers.append(ticket_watcher_add(ticket=ticket, by=None, contact=contact))
        except (ValidationError, TicketTransitionError):
            # A copy never fails the client's message: the request matters, the Cc does not.
            logger.warning("Cc %s not added as a watcher of %s", contact.pk, ticket.reference)
    return watchers


def _copied_addresses(parsed: ParsedMail) -> list[str]:
    ours = _our_addresses()
    seen: list[str] = []
    for address in [*parsed.cc, *parsed.to]:
        if address not in ours and address != parsed.sender and address not in seen:
            seen.append(address)
    return seen[:MAX_COPIED_ADDRESSES]


def _our_addresses() -> set[str]:
    configured = [
        settings.DEFAULT_FROM_EMAIL,
        settings.NOTIFICATIONS_REPLY_TO,
        settings.IMAP_USER,
    ]
    return {address for value in configured if value for address in addresses(value)}
