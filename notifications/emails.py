"""Building the emails: subjects with the ticket reference, thread headers, HTML + text bodies.

Each mail has its own unique ``Message-ID`` (random, hence unguessable; the outbox keeps it for
every attempt of that mail, so a re-sent copy is recognised), recorded so that replies find the
ticket. Thread headers only ever point at mails the recipient actually received: the
outbox passes the Message-IDs already sent to them for the ticket (``thread``), the first of which
is the thread root. Client mails link to the request in the extranet.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from oceanis.delivery import message_id
from oceanis.messages import lazy_text_of
from sla.policy import Urgency
from tickets.models import EventKind, State, Ticket, TicketEvent

from .models import Notification, NotificationKind

# Message-IDs kept in ``References``: the root and the latest ones. Mail clients only need the
# root and the parent; an unbounded header would grow with every daily digest.
MAX_REFERENCES = 10


def new_message_id(ticket: Ticket) -> str:
    return message_id(f"{ticket.reference}.{uuid.uuid4().hex}")


def subject_token(ticket: Ticket) -> str:
    return f"[{ticket.reference}]"


def request_url(ticket: Ticket) -> str:
    """The request's page in the extranet, absolute: mails are built outside any HTTP request."""
    path = reverse("extranet:request", args=[ticket.pk])
    return settings.OCEANIS_BASE_URL.rstrip("/") + path


def thread(message: EmailMultiAlternatives, previous: list[str]) -> None:
    """Chain ``message`` to the Message-IDs already sent to its recipient, oldest first: the
    first is the thread root, the last the parent. Without any, the message is the root."""
    if not previous:
        return
    kept = (
        previous
        if len(previous) <= MAX_REFERENCES
        else [previous[0], *previous[1 - MAX_REFERENCES :]]
    )
    message.extra_headers["In-Reply-To"] = kept[-1]
    message.extra_headers["References"] = " ".join(kept)


@dataclass
class Item:
    """One event shown in a mail."""

    kind: str
    event: TicketEvent

    @property
    def threshold(self) -> int:
        return int(self.event.payload.get("threshold") or 75)

    @property
    def closes_at(self) -> datetime | None:
        """When a resolved ticket closes itself without an answer (closure reminder)."""
        value = self.event.payload.get("closes_at")
        try:
            return datetime.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None


@dataclass
class DigestLine:
    at: datetime
    kind: str
    label: str
    author: str
    body: str
    minutes: int
    from_state: str
    to_state: str


def build_event_email(
    ticket: Ticket, recipient: str, language: str, audience: str, rows: list[Notification]
) -> EmailMultiAlternatives:
    """One mail for one or several events of a ticket (grouped within a minute)."""
    items = [Item(row.kind, row.event) for row in sorted(rows, key=_event_order)]
    staff = audience == Notification.Audience.STAFF
    template = "sla_warning" if staff else "ticket_update"
    with translation.override(language):
        context = {
            "ticket": ticket,
            "items": items,
            "language": language,
            "urgency": Urgency(ticket.urgency).label,
            "state": State(ticket.state).label,
            "assignee": str(ticket.assignee) if ticket.assignee_id else "",
            "request_url": "" if staff else request_url(ticket),
            "follow_up_of": ticket.follow_up_of if ticket.follow_up_of_id else None,
        }
        subject = _event_subject(ticket, items, staff)
        return _message(ticket, recipient, subject, f"notifications/email/{template}", context)


def build_digest_email(
    ticket: Ticket, recipient: str, language: str, day, lines: list[DigestLine]
) -> EmailMultiAlternatives:
    """The 17:00 follow-up mail of one ticket."""
    with translation.override(language):
        total = sum(line.minutes for line in lines)
        context = {
            "ticket": ticket,
            "day": day,
            "lines": lines,
            "total_minutes": total,
            "total_spent": format_minutes(total),
            "state": State(ticket.state).label,
            "language": language,
            "request_url": request_url(ticket),
        }
        subject = _("Suivi du %(day)s : %(title)s") % {
            "day": _format_day(day),
            "title": ticket.title,
        }
        return _message(ticket, recipient, subject, "notifications/email/digest", context)


def digest_line(event: TicketEvent) -> DigestLine:
    """A public event as a line of the digest (the caller filters out internal events).

    Labels stay lazy: they are rendered later, in the recipient's language.
    """
    return DigestLine(
        at=timezone.localtime(event.at),
        kind=event.kind,
        label=EventKind(event.kind).label,
        author=_author(event),
        body=lazy_text_of(event),
        minutes=event.minutes_spent,
        from_state=State(event.from_state).label if event.from_state else "",
        to_state=State(event.to_state).label if event.to_state else "",
    )


def format_minutes(minutes: int) -> str:
    """``95`` → ``1 h 35``; ``40`` → ``40 min``."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest:02d}" if rest else f"{hours} h"


def _author(event: TicketEvent) -> str:
    if event.kind == EventKind.EMAIL_IN:
        return event.payload.get("from", "")
    if event.actor_id and event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return "Oceanis"


def _event_order(row: Notification):
    return (row.event.at, row.event.pk)


def _event_subject(ticket: Ticket, items: list[Item], staff: bool) -> str:
    if staff:
        worst = max(item.threshold for item in items)
        if worst >= 100:
            return _("GTI dépassée : %(client)s – %(title)s") % {
                "client": ticket.client.name,
                "title": ticket.title,
            }
        return _("Alerte GTI %(percent)s %% : %(client)s – %(title)s") % {
            "percent": worst,
            "client": ticket.client.name,
            "title": ticket.title,
        }
    if len(items) > 1:
        return _("Mise à jour de votre demande : %(title)s") % {"title": ticket.title}
    kind = items[0].kind
    if kind == NotificationKind.CREATED:
        text = _("Demande enregistrée : %(title)s")
    elif kind == NotificationKind.TAKEN_IN_CHARGE:
        text = _("Demande prise en charge : %(title)s")
    elif kind == NotificationKind.CLOSURE_REMINDER:
        text = _("Demande résolue, bientôt clôturée : %(title)s")
    elif items[0].event.to_state == State.CANCELLED:
        text = _("Demande fusionnée avec une autre : %(title)s")
    else:
        text = _("Demande clôturée : %(title)s")
    return text % {"title": ticket.title}


def _format_day(day) -> str:
    return formats.date_format(day, "DATE_FORMAT")  # in the active (overridden) language


def _message(
    ticket: Ticket, recipient: str, subject: str, template: str, context: dict
) -> EmailMultiAlternatives:
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    subject = " ".join(f"{subject_token(ticket)} {subject}".split())  # no newlines in headers
    message = EmailMultiAlternatives(
        subject=subject[:250],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient],
        reply_to=[settings.NOTIFICATIONS_REPLY_TO or settings.DEFAULT_FROM_EMAIL],
        headers={
            "Message-ID": new_message_id(ticket),
            # Automatic mail: out-of-office responders must not answer it (no mail loops).
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            "X-Oceanis-Ticket": ticket.reference,
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def message_id_of(message: EmailMultiAlternatives) -> str:
    return message.extra_headers["Message-ID"]
