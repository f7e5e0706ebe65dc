"""Who spoke in a ticket event: the client, Oceanis staff answering, or neither.

One definition used by the event log (to stamp ``last_client_activity_at`` and
``last_staff_reply_at``), by staff notices and by the queues' "awaiting our answer" filter.
"""

from __future__ import annotations

from .models import Channel, EventKind, Ticket, TicketEvent

# Tickets the client opened themselves: their creation is something said by the client.
CLIENT_CHANNELS = (Channel.EMAIL, Channel.EXTRANET)


def is_client_activity(event: TicketEvent, ticket: Ticket | None = None) -> bool:
    """Something the client said or did: a mail received on a client thread, an extranet
    comment, a confirmation or a reopening, a request opened by mail or on the extranet.

    Client contacts act with their own (non-staff) account; an inbound mail has no actor."""
    ticket = ticket or event.ticket
    actor = event.actor if event.actor_id else None
    if event.kind == EventKind.EMAIL_IN:
        return event.public
    if event.kind == EventKind.CREATED:
        return opened_by_client(ticket, actor)
    if event.kind in (EventKind.REPORT, EventKind.TRANSITION):
        return actor is not None and not actor.is_staff
    return False


def opened_by_client(ticket: Ticket, actor) -> bool:
    """A request the client opened: by their own account, or by mail / extranet."""
    if actor is not None:
        return not actor.is_staff
    return ticket.channel in CLIENT_CHANNELS


def is_staff_reply(event: TicketEvent) -> bool:
    """A public text written to the client by Oceanis staff: a report, or the reason of a
    pending state, a resolution note, a closure synthesis."""
    actor = event.actor if event.actor_id else None
    if actor is None or not actor.is_staff or not event.public:
        return False
    if event.kind == EventKind.REPORT:
        return True
    return event.kind == EventKind.TRANSITION and bool(event.body.strip())
