"""Watchers (abonnés) of a ticket, and the per-viewer "seen" mark behind unread activity."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from oceanis.transitions import lock_for_update

from ..models import EventKind, State, Ticket, TicketSeen, TicketWatcher
from .base import TicketTransitionError, at_or_now, record_event

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from clients.models import Contact


def ticket_watcher_add(
    *,
    ticket: Ticket,
    by: User | None,
    user: User | None = None,
    contact: Contact | None = None,
) -> TicketWatcher:
    """Add a staff user or a contact of the ticket's client as a watcher; adding someone who
    already watches returns their row and logs nothing."""
    if (user is None) == (contact is None):
        raise ValueError("A watcher is either a staff user or a contact")
    if user is not None and not (user.is_active and user.is_staff):
        raise ValidationError(
            {"user": _("Seul un membre d'Oceanis peut suivre ainsi une demande.")}
        )
    if contact is not None and (contact.client_id != ticket.client_id or not contact.is_active):
        raise ValidationError(
            {"contact": _("Ce contact n'appartient pas au client de la demande.")}
        )
    with transaction.atomic():
        locked = lock_for_update(ticket)
        if locked.state == State.CANCELLED:
            raise TicketTransitionError(locked, "watch")
        existing = TicketWatcher.objects.filter(ticket=locked, user=user, contact=contact).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                watcher = TicketWatcher.objects.create(
                    ticket=locked, user=user, contact=contact, added_by=by
                )
        except IntegrityError:  # added by someone else meanwhile: same outcome
            return TicketWatcher.objects.get(ticket=locked, user=user, contact=contact)
        record_event(
            locked,
            EventKind.WATCHERS,
            by=by,
            payload={"added": _watcher_payload(watcher)},
        )
    return watcher


def ticket_watcher_remove(*, ticket: Ticket, by: User | None, watcher: TicketWatcher) -> None:
    if watcher.ticket_id != ticket.pk:
        raise ValueError("This watcher follows another ticket")
    with transaction.atomic():
        locked = lock_for_update(ticket)
        payload = _watcher_payload(watcher)
        deleted, _rows = TicketWatcher.objects.filter(pk=watcher.pk).delete()
        if deleted:
            record_event(locked, EventKind.WATCHERS, by=by, payload={"removed": payload})


def _watcher_payload(watcher: TicketWatcher) -> dict[str, Any]:
    user = watcher.user
    if user is not None:
        name = user.get_full_name() or user.get_username()
        return {"user": watcher.user_id, "name": name}
    return {"contact": watcher.contact_id, "name": str(watcher.contact)}


def ticket_mark_seen(*, ticket: Ticket, user: User, at: datetime | None = None) -> None:
    """The viewer opened the ticket: its client activity up to ``at`` is read for them.

    One upsert statement (INSERT … ON CONFLICT DO UPDATE): it runs on every ticket page view,
    where update_or_create would cost a SELECT, a write and a savepoint."""
    TicketSeen.objects.bulk_create(
        [TicketSeen(ticket=ticket, user=user, seen_at=at_or_now(at))],
        update_conflicts=True,
        unique_fields=["user", "ticket"],
        update_fields=["seen_at"],
    )
