"""Timeline entries: public reports (comptes-rendus) and internal notes."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from oceanis.transitions import lock_for_update

from ..models import (
    EventKind,
    State,
    Ticket,
    TicketEvent,
)
from .base import (
    TicketTransitionError,
    record_event,
)


def ticket_add_entry(
    *,
    ticket: Ticket,
    by,
    body: str,
    public: bool,
    minutes_spent: int = 0,
    at: datetime | None = None,
    payload: dict | None = None,
    kind: str | None = None,
) -> TicketEvent:
    """Add a public report (compte-rendu, visible to the client) or an internal note.

    ``payload`` carries context for the event's readers (e.g. a comment written by the client
    on the extranet). ``kind`` may be ``email_in`` for a received email (public or not);
    by default it is ``report`` or ``note`` according to ``public``.
    """
    if kind not in (None, EventKind.REPORT, EventKind.NOTE, EventKind.EMAIL_IN):
        raise ValueError(f"Not an entry kind: {kind!r}")
    if not body.strip():
        raise ValidationError({"body": _("Le texte est obligatoire.")})
    if minutes_spent < 0:
        raise ValidationError({"minutes_spent": _("Le temps passé ne peut pas être négatif.")})
    with transaction.atomic():
        locked = lock_for_update(ticket)
        if locked.state == State.CANCELLED:
            raise TicketTransitionError(locked, "add_entry")
        locked.save(update_fields=["updated_at"])
        return record_event(
            locked,
            kind or (EventKind.REPORT if public else EventKind.NOTE),
            by=by,
            at=at,
            body=body.strip(),
            public=public,
            minutes_spent=minutes_spent,
            payload=payload or {},
        )
