"""What a client contact does on the extranet, expressed with the ticket services.

Views parse forms and call these; these call ``tickets.services`` (the only write path) and
``tickets.attachments`` (validation, storage). Files are validated before anything is written, and
each action runs in one transaction, so a rejected file loses nothing and leaves nothing half-done.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from clients.models import Contact, Site
from tickets import services
from tickets.attachments import attachment_add, validate_upload
from tickets.autoclose import resolution_note
from tickets.models import Channel, EventKind, State, Ticket, TicketEvent
from tickets.services.conversation import reply_opens_follow_up

MAX_FILES = 10

# Marks the event as written by the client on the extranet: notifications use it to tell the
# assignee (rather than the client) that something new arrived.
CLIENT_PAYLOAD = {"source": "extranet", "from_client": True}

CONFIRMED_BY_CLIENT = "Résolution confirmée par le client"


def validate_files(files: Sequence[UploadedFile]) -> None:
    """Check every file (type, size, count) before anything is stored."""
    if len(files) > MAX_FILES:
        raise ValidationError(
            _("Au plus %(max)s fichiers par envoi.") % {"max": MAX_FILES}, code="too_many"
        )
    errors = []
    for upload in files:
        try:
            validate_upload(upload.name, upload.size)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)


def _attach(ticket: Ticket, files, *, by, event: TicketEvent | None) -> None:
    for upload in files:
        attachment_add(
            ticket=ticket, name=upload.name, content=upload.read(), by=by, event=event, public=True
        )


def request_create(
    *,
    contact: Contact,
    title: str,
    description: str,
    urgency: str,
    site: Site | None,
    files: Sequence[UploadedFile] = (),
) -> Ticket:
    """A contact opens a request: channel "extranet", the contact as requester and creator."""
    validate_files(files)
    with transaction.atomic():
        ticket = services.ticket_create(
            client=contact.client,
            contact=contact,
            site=site,
            title=title,
            description=description,
            urgency=urgency,
            channel=Channel.EXTRANET,
            by=contact.user,
        )
        created = ticket.events.filter(kind=EventKind.CREATED).first()
        _attach(ticket, files, by=contact.user, event=created)
    return ticket


def comment_add(
    *, contact: Contact, ticket: Ticket, body: str, files: Sequence[UploadedFile] = ()
) -> services.ClientReply:
    """A public comment from the client (with files). It follows the rule of every client
    reply: it resumes a request waiting on the client, reopens a resolved one, and on a closed
    request it opens a follow-up request (``reply.ticket``); a cancelled request refuses it."""
    if ticket.state == State.CANCELLED:
        raise ValidationError(_("Cette demande est annulée : elle ne reçoit plus de commentaire."))
    validate_files(files)
    return services.ticket_client_reply(
        ticket=ticket,
        by=contact.user,
        body=body,
        via=Channel.EXTRANET,
        contact=contact,
        payload={**CLIENT_PAYLOAD, "contact": contact.pk},
        files=[(upload.name, upload.read()) for upload in files],
    )


def resolution_confirm(*, contact: Contact, ticket: Ticket) -> Ticket:
    """The client confirms the resolution: the request is closed.

    The closure synthesis is the technician's resolution note (what was done), followed by the
    client's confirmation; without a note, the confirmation alone.
    """
    note = resolution_note(ticket)
    confirmation = f"{CONFIRMED_BY_CLIENT} ({contact})."
    synthesis = f"{note}\n\n{confirmation}" if note else confirmation
    return services.ticket_close(ticket=ticket, by=contact.user, synthesis=synthesis)


def resolution_reject(*, contact: Contact, ticket: Ticket, reason: str) -> Ticket:
    """The resolution did not hold: the request goes back in progress with the client's reason.

    Past the reopening delay (or closed meanwhile) the request is treated as closed, as for any
    client reply: the reason opens a follow-up request, which is returned."""
    if reply_opens_follow_up(ticket):
        return comment_add(contact=contact, ticket=ticket, body=reason).ticket
    return services.ticket_reopen(ticket=ticket, by=contact.user, reason=reason)
