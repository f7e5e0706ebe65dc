"""The triage queue's writes: what a person decides for a mail inbound processing set aside.

Each action locks the message, checks it is still "À trier", does its work through the same
functions inbound processing uses (ticket creation, client reply, Message-ID remembered) and
records one ``TriageDecision`` (who, when, what) with the message's new status, in one
transaction. The decision is unique per message: a second click, or a colleague deciding at
the same moment, gets the first decision back (same action) or a clear error (another one).

The outbox of client mails (planning delivery rows, sending them at least once, sweeping) is
``notifications.services.outbox``.
"""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clients.models import Client, Contact
from tickets.models import Ticket

from ..inbound.mime import MalformedMail, ParsedMail, parse
from ..inbound.service import _add_reply, _create_ticket, _remember
from ..inbound.watchers import inbound_cc_watchers
from ..models import BlockedSender, InboundMessage, Notification, TriageDecision

Status = InboundMessage.Status
Action = TriageDecision.Action


class TriageConflict(ValidationError):
    """The message was decided otherwise (or is no longer waiting in the queue)."""


def _lock(message: InboundMessage, action: str) -> tuple[InboundMessage, TriageDecision | None]:
    """The locked message, and its decision when this very action was already taken."""
    locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
    decision = TriageDecision.objects.filter(message=locked).select_related("by").first()
    if decision is not None:
        if decision.action == action:
            return locked, decision
        raise TriageConflict(
            _("Ce mail a déjà été trié (%(action)s) par %(by)s.")
            % {"action": decision.get_action_display(), "by": decision.by or "—"}
        )
    if locked.status != Status.TRIAGE:
        raise TriageConflict(_("Ce mail n'est plus à trier."))
    return locked, None


def _parsed(message: InboundMessage) -> ParsedMail:
    try:
        return parse(bytes(message.raw))
    except MalformedMail as exc:  # triage holds parsed mail only; kept as a clear error anyway
        raise ValidationError(str(exc)) from exc


def _close(message: InboundMessage, status: str, note: str, **fields) -> None:
    InboundMessage.objects.filter(pk=message.pk).update(
        status=status, error=note[:5000], processed_at=timezone.now(), **fields
    )


def sender_name(message: InboundMessage) -> tuple[str, str]:
    """(first name, last name) guessed from the sender's display name, for the contact form."""
    name, address = parseaddr(message.sender)
    parts = (name or address.split("@", 1)[0]).replace('"', "").split()
    if not parts:
        return "", ""
    return (parts[0], " ".join(parts[1:])) if len(parts) > 1 else ("", parts[0])


def _contact_for(
    *, client: Client, sender: str, contact: Contact | None, first_name: str, last_name: str
) -> tuple[Contact, bool]:
    if contact is not None:
        if contact.client_id != client.pk or not contact.is_active:
            raise ValidationError(
                {"contact": _("Ce contact n'est pas un contact actif du client.")}
            )
        return contact, False
    existing = Contact.objects.filter(client=client, email__iexact=sender, is_active=True).first()
    if existing is not None:
        return existing, False
    if not last_name.strip():
        raise ValidationError({"last_name": _("Le nom du nouveau contact est obligatoire.")})
    created = Contact.objects.create(
        client=client, first_name=first_name.strip(), last_name=last_name.strip(), email=sender
    )
    return created, True


def triage_open_ticket(
    *,
    message: InboundMessage,
    by,
    client: Client,
    contact: Contact | None = None,
    first_name: str = "",
    last_name: str = "",
) -> TriageDecision:
    """Attach the mail to a contact of ``client`` (the one given, else the client's contact
    with the sender's address, else a new contact with that address) and open its ticket, as
    inbound processing would have done for a known sender."""
    if not client.is_active:
        raise ValidationError({"client": _("Ce client n'est plus servi.")})
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        locked, done = _lock(message, Action.NEW_TICKET)
        if done is not None:
            return done
        parsed = _parsed(locked)
        person, created = _contact_for(
            client=client,
            sender=parsed.sender,
            contact=contact,
            first_name=first_name,
            last_name=last_name,
        )
        ticket, event = _create_ticket(person, parsed)
        inbound_cc_watchers(ticket=ticket, parsed=parsed)
        _remember(parsed.message_id, ticket, Notification.Audience.CLIENT)
        _close(
            locked,
            Status.PROCESSED,
            _("Trié : demande %(ref)s ouverte.") % {"ref": ticket.reference},
            ticket=ticket,
            event=event,
        )
        return TriageDecision.objects.create(
            message=locked,
            action=Action.NEW_TICKET,
            by=by,
            ticket=ticket,
            contact=person,
            contact_created=created,
        )


def triage_append(*, message: InboundMessage, by, ticket: Ticket) -> TriageDecision:
    """Add the mail to an existing ticket as the client's mail (it resumes a ticket pending on
    the client, reopens a resolved one, opens the follow-up of a closed one)."""
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        locked, done = _lock(message, Action.APPEND)
        if done is not None:
            return done
        parsed = _parsed(locked)
        landed, event = _add_reply(ticket, parsed, locked, public=True)
        _remember(parsed.message_id, landed, Notification.Audience.CLIENT)
        _close(
            locked,
            Status.PROCESSED,
            _("Trié : ajouté à %(ref)s.") % {"ref": landed.reference},
            ticket=landed,
            event=event,
        )
        return TriageDecision.objects.create(
            message=locked, action=Action.APPEND, by=by, ticket=landed
        )


def triage_spam(*, message: InboundMessage, by) -> TriageDecision:
    """Ignore the mail and block its sender: their later mail is ignored on arrival."""
    with transaction.atomic():
        locked, done = _lock(message, Action.SPAM)
        if done is not None:
            return done
        address = parseaddr(locked.sender)[1].strip().lower()
        if not address:
            address = _parsed(locked).sender
        BlockedSender.objects.get_or_create(
            address=address,
            defaults={"blocked_by": by, "reason": (locked.subject or "")[:300]},
        )
        _close(locked, Status.IGNORED, _("Trié : indésirable, expéditeur bloqué."))
        return TriageDecision.objects.create(
            message=locked, action=Action.SPAM, by=by, note=address[:300]
        )


def triage_ignore(*, message: InboundMessage, by, note: str = "") -> TriageDecision:
    """Set the mail aside for good (nothing to do), keeping it and the reason."""
    with transaction.atomic():
        locked, done = _lock(message, Action.IGNORE)
        if done is not None:
            return done
        _close(locked, Status.IGNORED, _("Trié : ignoré.") + (f" {note}" if note else ""))
        return TriageDecision.objects.create(
            message=locked, action=Action.IGNORE, by=by, note=note[:300]
        )
