"""Timeline entries: public reports (comptes-rendus) and internal notes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from oceanis.messages import Message
from oceanis.transitions import lock_for_update

from ..attachments import attachment_add, validate_upload
from ..models import (
    Attachment,
    EventKind,
    State,
    Ticket,
    TicketEvent,
)
from .base import (
    TicketTransitionError,
    record_event,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def ticket_add_entry(
    *,
    ticket: Ticket,
    by: User | None,
    body: str,
    public: bool,
    minutes_spent: int = 0,
    at: datetime | None = None,
    payload: dict[str, Any] | None = None,
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


def ticket_attach_file(
    *, ticket: Ticket, by: User | None, name: str, content: bytes, public: bool
) -> Attachment:
    """A file added on its own from the ticket page, logged as an entry naming it (a report
    when the client may see the file, an internal note otherwise): the timeline shows it where
    it was added, with its link, and the client hears of a file meant for them."""
    clean = validate_upload(name, len(content))
    with transaction.atomic():
        event = ticket_add_entry(
            ticket=ticket,
            by=by,
            body=Message("ticket.attachment_added", name=clean),
            public=public,
        )
        return attachment_add(
            ticket=ticket, name=clean, content=content, by=by, event=event, public=public
        )
