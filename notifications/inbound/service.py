"""Inbound email → ticket: store the raw message first, then process it exactly once.

Processing decides, in this order:
1. unusable bytes → ``failed`` (the raw message stays, with the error);
2. automatic mail (auto-reply, bounce, list, our own mail) → ``ignored``: never a ticket, never
   an answer, hence no mail loop;
3. a reply to a known thread (``In-Reply-To``/``References`` against every Message-ID we sent or
   received), else a ``[OC-YYYY-NNNNNN]`` subject token, from a sender known to that client
   (either way; anyone else goes to triage) → an ``email_in`` entry on the ticket (internal
   when the thread was a staff-only mail). A client's reply follows ``ticket_client_reply``:
   it resumes a ticket pending on the client, reopens a resolved one, and on a closed ticket
   (or resolved too long ago) opens a follow-up ticket, which the message is then attached to;
4. otherwise a new ticket (channel "email") for the contact owning the sender address;
5. anything else (unknown or ambiguous sender, suspicious token…) → ``triage``, never dropped.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.models import Contact, split_emails
from relations.selectors import merge_target
from sla.policy import Urgency
from tickets.attachments import attachment_add, validate_upload
from tickets.models import Channel, EventKind, State, Ticket, TicketEvent
from tickets.services import ticket_add_entry, ticket_client_reply, ticket_create

from ..models import BlockedSender, InboundMessage, KnownMessageId, Notification
from .lease import LeaseLost, claim, reclaimable, record
from .mime import MalformedMail, ParsedMail, parse, peek
from .watchers import inbound_cc_watchers

logger = logging.getLogger(__name__)

Status = InboundMessage.Status
# Urgency of a ticket opened by email until the service desk qualifies it.
DEFAULT_URGENCY = Urgency.SLIGHTLY_BLOCKING
# Beyond this many tickets opened by one sender in an hour, new mail goes to triage: a
# misbehaving autoresponder without the standard headers cannot flood the queue.
MAX_NEW_TICKETS_PER_SENDER_PER_HOUR = 20
BLOCKED_REASON = "Expéditeur bloqué (indésirable)."


def inbound_store(raw: bytes, source: str) -> tuple[InboundMessage, bool]:
    """Keep the raw bytes (committed on return). Returns (message, created); ``created`` is
    False for a Message-ID already received, whatever the channel it came through."""
    message_id, sender, subject = peek(raw)
    return InboundMessage.objects.get_or_create(
        message_id=message_id,
        defaults={
            "raw": raw,
            "sha256": hashlib.sha256(raw).hexdigest(),
            "source": source,
            "sender": sender,
            "subject": subject,
        },
    )


def inbound_receive(raw: bytes, source: str) -> tuple[InboundMessage, bool]:
    """Store then process a raw message; a duplicate is returned as it is, untouched."""
    message, created = inbound_store(raw, source)
    if created:
        message = inbound_process(message)
    return message, created


def inbound_process(message: InboundMessage) -> InboundMessage:
    """Process a stored message once. Never raises: failures are recorded on the message.

    The outcome (ticket, entry, Message-ID remembered) and the message's new status commit in
    one transaction, so a worker killed at any point leaves either both or neither; a message
    left ``processing`` is claimed again once its lease has expired."""
    claimed_at = claim(message)
    message.refresh_from_db()
    if claimed_at is None:
        return message  # processed, or being processed under a live lease, by someone else
    try:
        # Texts written into tickets are French whatever the HTTP caller's Accept-Language.
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            outcome = _already_processed(message) or _process(message)
            _finish(message, outcome, claimed_at)
    except LeaseLost:
        logger.warning("Inbound message %s: lease lost, outcome discarded", message.pk)
        message.refresh_from_db()
        return message
    except Exception as exc:
        logger.exception("Inbound message %s failed", message.pk)
        outcome = Outcome(Status.FAILED, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            _finish(message, outcome, claimed_at)
        except LeaseLost:
            message.refresh_from_db()
    return message


def _finish(message: InboundMessage, outcome: Outcome, claimed_at) -> None:
    fields = {
        "status": outcome.status,
        "error": outcome.error[:5000],
        "ticket": outcome.ticket,
        "event": outcome.event,
        "body_text": outcome.text,
        "body_html": outcome.html,
        "processed_at": timezone.now(),
    }
    if outcome.parsed is not None:
        fields["sender"] = outcome.parsed.sender_display[:320]
        fields["subject"] = outcome.parsed.subject[:500]
    record(message, claimed_at, **fields)


def _already_processed(message: InboundMessage) -> Outcome | None:
    """A message whose ticket work committed without its status (a crash under the code before
    leases, or a status edited by hand) is not processed twice: its Message-ID is known."""
    known = (
        KnownMessageId.objects.filter(
            message_id=message.message_id, direction=KnownMessageId.Direction.IN
        )
        .select_related("ticket")
        .first()
    )
    if known is None:
        return None
    event = (
        known.ticket.events.filter(payload__inbound_message=message.pk).first()
        or known.ticket.events.filter(kind=EventKind.CREATED, actor=None).first()
    )
    note = "Déjà traité : le Message-ID est connu sur cette demande."
    return Outcome(Status.PROCESSED, note, ticket=known.ticket, event=event)


def process_pending(limit: int = 500) -> int:
    """The sweeper: messages stored but never processed (a crash between the two steps) and
    messages whose processing was interrupted (lease expired). Triage and failures wait for a
    person ("Retraiter" in the admin)."""
    pending = InboundMessage.objects.filter(
        reclaimable() & ~Q(status__in=(Status.TRIAGE, Status.FAILED))
    ).order_by("pk")
    count = 0
    for message in pending.only("pk")[:limit]:
        inbound_process(message)
        count += 1
    return count


@dataclass
class Outcome:
    status: str
    error: str = ""
    ticket: Ticket | None = None
    event: TicketEvent | None = None
    parsed: ParsedMail | None = None
    text: str = ""
    html: str = ""


def _process(message: InboundMessage) -> Outcome:
    try:
        parsed = parse(bytes(message.raw))
    except MalformedMail as exc:
        return Outcome(Status.FAILED, str(exc))
    base = {"parsed": parsed, "text": parsed.text, "html": parsed.html}
    if parsed.automatic:
        return Outcome(Status.IGNORED, parsed.automatic, **base)
    # Marked as spam from the triage queue: never a ticket, never triage again.
    if BlockedSender.objects.filter(address=parsed.sender).exists():
        return Outcome(Status.IGNORED, BLOCKED_REASON, **base)
    ticket, audience, how = _match(parsed)
    if ticket is not None:
        if ticket.state == State.CANCELLED:
            return Outcome(
                Status.TRIAGE, f"Réponse à la demande annulée {ticket.reference}.", **base
            )
        if not _sender_known_for(ticket, parsed.sender):
            return Outcome(Status.TRIAGE, _foreign_sender_reason(ticket, how), **base)
        # A reply to a finished ticket lands on its follow-up: the message and its thread go there.
        public = audience == Notification.Audience.CLIENT
        ticket, event = _add_reply(ticket, parsed, message, public=public)
        if public:
            inbound_cc_watchers(ticket=ticket, parsed=parsed)
        _remember(parsed.message_id, ticket, audience)
        return Outcome(Status.PROCESSED, _defects(parsed), ticket=ticket, event=event, **base)
    contacts = list(
        Contact.objects.filter(
            email__iexact=parsed.sender, is_active=True, client__is_active=True
        ).select_related("client", "site")[:2]
    )
    if len(contacts) != 1:
        reason = (
            "Expéditeur inconnu." if not contacts else "Adresse partagée par plusieurs contacts."
        )
        return Outcome(Status.TRIAGE, reason, **base)
    contact = contacts[0]
    if _too_many_recent_tickets(contact):
        return Outcome(Status.TRIAGE, "Trop de demandes ouvertes par mail en une heure.", **base)
    ticket, event = _create_ticket(contact, parsed)
    inbound_cc_watchers(ticket=ticket, parsed=parsed)
    _remember(parsed.message_id, ticket, Notification.Audience.CLIENT)
    return Outcome(Status.PROCESSED, _defects(parsed), ticket=ticket, event=event, **base)


def _defects(parsed: ParsedMail) -> str:
    """Damage the parser worked around, kept as a note on a processed message."""
    return f"Défauts MIME contournés : {', '.join(parsed.defects)}" if parsed.defects else ""


def _match(parsed: ParsedMail) -> tuple[Ticket | None, str, str]:
    """(ticket, audience of the thread, "headers" or "subject") or (None, "", "")."""
    # The message answered (In-Reply-To), then the thread from its most recent end.
    ids = parsed.in_reply_to + list(reversed(parsed.references))
    if ids:
        known = KnownMessageId.objects.filter(message_id__in=ids).select_related("ticket")
        by_id = {row.message_id: row for row in known}
        for message_id in ids:
            if message_id in by_id:
                row = by_id[message_id]
                return row.ticket, row.audience, "headers"
    token = parsed.ticket_token
    if token:
        ticket = Ticket.objects.filter(reference=token).first()
        if ticket is not None:
            # A merged request's reference leads to the request that continues it.
            return merge_target(ticket), Notification.Audience.CLIENT, "subject"
    return None, "", ""


def _foreign_sender_reason(ticket: Ticket, how: str) -> str:
    if how == "subject":
        return f"Référence {ticket.reference} citée par un expéditeur inconnu de ce client."
    return f"Réponse au fil de {ticket.reference} par un expéditeur inconnu de ce client."


def _sender_known_for(ticket: Ticket, sender: str) -> bool:
    """Only people of the ticket's client (or staff) may add to a ticket: a subject token is
    easy to forge, and a thread's Message-IDs travel with every forward and reply-all."""
    declared = split_emails(ticket.client.notification_recipients or "")
    if ticket.contract_id:
        declared += split_emails(ticket.contract.notification_recipients or "")
    if sender in {address.lower() for address in declared}:
        return True
    if Contact.objects.filter(client_id=ticket.client_id, email__iexact=sender).exists():
        return True
    users = get_user_model().objects.filter(email__iexact=sender, is_active=True, is_staff=True)
    return users.exists()


def _add_reply(
    ticket: Ticket, parsed: ParsedMail, message, *, public: bool
) -> tuple[Ticket, TicketEvent]:
    """(ticket the reply landed on, its event). On a client thread the client's reply goes
    through the one client-reply rule (resume, reopen, or a follow-up ticket when finished);
    a staff-only thread, or a colleague answering by mail, just adds the entry."""
    accepted, refused = _screen_attachments(parsed)
    body = _entry_body(parsed, refused)
    payload = _payload(parsed, message, refused)
    contact = (
        Contact.objects.filter(
            client_id=ticket.client_id, email__iexact=parsed.sender, is_active=True
        ).first()
        if public
        else None
    )
    if public and (contact is not None or not _is_staff_address(parsed.sender)):
        reply = ticket_client_reply(
            ticket=ticket,
            by=None,
            body=body,
            via=Channel.EMAIL,
            contact=contact,
            payload=payload,
            files=accepted,
            kind=EventKind.EMAIL_IN,
        )
        return reply.ticket, reply.event
    event = ticket_add_entry(
        ticket=ticket, by=None, body=body, public=public, kind=EventKind.EMAIL_IN, payload=payload
    )
    _store_attachments(ticket, event, accepted, public)
    return ticket, event


def _is_staff_address(address: str) -> bool:
    users = get_user_model().objects.filter(email__iexact=address, is_active=True, is_staff=True)
    return users.exists()


def _create_ticket(contact: Contact, parsed: ParsedMail) -> tuple[Ticket, TicketEvent]:
    accepted, refused = _screen_attachments(parsed)
    title = parsed.clean_subject[:255] or _("Demande reçue par mail de %(sender)s") % {
        "sender": parsed.sender
    }
    ticket = ticket_create(
        client=contact.client,
        contact=contact,
        site=contact.site,
        title=title,
        description=_entry_body(parsed, refused),
        urgency=DEFAULT_URGENCY,
        channel=Channel.EMAIL,
        by=None,
    )
    event = ticket.events.get(kind=EventKind.CREATED)
    _store_attachments(ticket, event, accepted, True)
    return ticket, event


def _entry_body(parsed: ParsedMail, refused: list[str]) -> str:
    lines = [_("Mail de %(sender)s") % {"sender": parsed.sender_display or parsed.sender}, ""]
    lines.append(parsed.text or _("(message sans texte)"))
    if parsed.attachments and not parsed.text:
        lines.append(", ".join(name for name, _content in parsed.attachments))
    if refused:
        lines += ["", _("Pièces jointes refusées :")] + [f"- {reason}" for reason in refused]
    return "\n".join(lines)


def _payload(parsed: ParsedMail, message: InboundMessage, refused: list[str]) -> dict:
    return {
        "from": parsed.sender_display,
        "from_email": parsed.sender,
        "subject": parsed.subject,
        "message_id": parsed.message_id,
        "inbound_message": message.pk,
        "refused_attachments": refused,
    }


def _screen_attachments(parsed: ParsedMail) -> tuple[list[tuple[str, bytes]], list[str]]:
    """Split attachments into the storable ones and the reasons others were refused; a
    refused file is noted on the entry, it never fails the message."""
    accepted, refused = [], []
    for name, content in parsed.attachments:
        try:
            validate_upload(name, len(content))
        except ValidationError as exc:
            refused.append(" ".join(exc.messages))
            continue
        accepted.append((name, content))
    return accepted, refused


def _store_attachments(ticket, event, accepted, public: bool) -> None:
    for name, content in accepted:
        attachment_add(ticket=ticket, name=name, content=content, event=event, public=public)


def _remember(message_id: str, ticket: Ticket, audience: str) -> None:
    KnownMessageId.objects.get_or_create(
        message_id=message_id,
        defaults={"ticket": ticket, "direction": KnownMessageId.Direction.IN, "audience": audience},
    )


def _too_many_recent_tickets(contact: Contact) -> bool:
    since = timezone.now() - timedelta(hours=1)
    recent = Ticket.objects.filter(contact=contact, channel=Channel.EMAIL, created_at__gte=since)
    recent = recent.count()
    return recent >= MAX_NEW_TICKETS_PER_SENDER_PER_HOUR
