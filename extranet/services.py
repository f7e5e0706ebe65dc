"""The extranet's writes: what a client contact does, extranet accounts, shared documents.

Client actions are expressed with the ticket services: views parse forms and call these; these call
``tickets.services`` (the only write path) and ``tickets.attachments`` (validation, storage). Files
are validated before anything is written, and each action runs in one transaction, so a rejected
file loses nothing and leaves nothing half-done. Inviting a contact creates their login and e-mails
a set-password link; staff share project documents with a client.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from clients.models import Client, Contact, Site
from oceanis.messages import Message
from oceanis.tokens import hash_token
from tickets import services
from tickets.attachments import EXTRA_TYPES, attachment_add, validate_upload
from tickets.autoclose import resolution_note
from tickets.models import Channel, EventKind, State, Ticket, TicketEvent
from tickets.services.conversation import reply_opens_follow_up

from .models import CalendarFeed, ProjectDocument
from .selectors import contact_for

MAX_FILES = 10

# Marks the event as written by the client on the extranet: notifications use it to tell the
# assignee (rather than the client) that something new arrived.
CLIENT_PAYLOAD = {"source": "extranet", "from_client": True}


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
    if note:
        synthesis = Message("ticket.client_confirmed_after_note", note=note, contact=str(contact))
    else:
        synthesis = Message("ticket.client_confirmed", contact=str(contact))
    return services.ticket_close(ticket=ticket, by=contact.user, synthesis=synthesis)


def resolution_reject(*, contact: Contact, ticket: Ticket, reason: str) -> Ticket:
    """The resolution did not hold: the request goes back in progress with the client's reason.

    Past the reopening delay (or closed meanwhile) the request is treated as closed, as for any
    client reply: the reason opens a follow-up request, which is returned."""
    if reply_opens_follow_up(ticket):
        return comment_add(contact=contact, ticket=ticket, body=reason).ticket
    return services.ticket_reopen(ticket=ticket, by=contact.user, reason=reason)


def contact_account_get_or_create(*, contact: Contact):
    """Return the contact's login, creating it (no usable password yet) when missing.

    The username is the e-mail address. An existing account is reused only when it is a
    non-staff account not already linked to another contact: a staff account never becomes a
    client login.
    """
    if not contact.is_active:
        raise ValidationError(_("Ce contact est désactivé."))
    if not contact.email:
        raise ValidationError(_("Ce contact n'a pas d'adresse e-mail."))
    if contact.user_id:
        return contact.user
    User = get_user_model()
    email = contact.email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(username__iexact=email).first()
        if user is None:
            user = User(username=email, email=email)
            user.set_unusable_password()
        elif user.is_staff or user.is_superuser or Contact.objects.filter(user=user).exists():
            raise ValidationError(
                _("Le compte %(email)s existe déjà et ne peut pas être rattaché à ce contact.")
                % {"email": email}
            )
        user.first_name = contact.first_name
        user.last_name = contact.last_name
        user.is_staff = False
        user.save()
        contact.user = user
        contact.save(update_fields=["user"])
    return user


def set_password_url(user, base_url: str) -> str:
    """An absolute, single-use link to choose a password (Django's reset token)."""
    path = reverse(
        "extranet:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return base_url.rstrip("/") + path


def contact_invite(*, contact: Contact, base_url: str) -> str:
    """Create the contact's account if needed and e-mail them a set-password link.

    Returns the address the invitation went to. Raises ValidationError when the contact cannot
    be invited (no e-mail, inactive, address taken by a staff account).
    """
    user = contact_account_get_or_create(contact=contact)
    context = {
        "contact": contact,
        "client": contact.client,
        "url": set_password_url(user, base_url),
        "login_url": base_url.rstrip("/") + reverse("extranet:login"),
        "username": user.get_username(),
    }
    send_mail(
        subject=render_to_string("extranet/emails/invitation_subject.txt", context).strip(),
        message=render_to_string("extranet/emails/invitation.txt", context),
        from_email=None,
        recipient_list=[user.email or contact.email],
    )
    return user.email or contact.email


def content_type_for(clean_name: str) -> str:
    """Derived from the (validated) name, never trusted from the browser."""
    ext = clean_name.rsplit(".", 1)[-1].lower() if "." in clean_name else ""
    return EXTRA_TYPES.get(ext) or mimetypes.guess_type(clean_name)[0] or "application/octet-stream"


def document_add(
    *,
    client: Client,
    name: str,
    content: bytes,
    by,
    title: str = "",
    ticket: Ticket | None = None,
    project: str = "",
    description: str = "",
) -> ProjectDocument:
    """Store a validated document for a client (same type/size limits as attachments)."""
    clean = validate_upload(name, len(content))
    if ticket is not None and ticket.client_id != client.pk:
        raise ValidationError({"ticket": _("Cette demande appartient à un autre client.")})
    document = ProjectDocument(
        client=client,
        ticket=ticket,
        project=project.strip(),
        title=(title or clean).strip(),
        description=description,
        original_name=clean,
        content_type=content_type_for(clean),
        size=len(content),
        uploaded_by=by,
    )
    document.file.save(clean, ContentFile(content), save=False)
    document.save()
    return document


def feed_contact(token: str) -> Contact | None:
    """The contact behind a feed token, if the token is current and the contact still allowed."""
    feed = (
        CalendarFeed.objects.select_related("contact__user")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if feed is None or feed.contact.user is None:
        return None
    contact = contact_for(feed.contact.user)
    if contact is None or contact.pk != feed.contact_id:
        return None
    CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=timezone.now())
    return contact


def feed_revoke(*, contact: Contact) -> int:
    """The contact's subscription address stops working at once (a new one is issued on demand)."""
    deleted, _by_model = CalendarFeed.objects.filter(contact=contact).delete()
    return deleted
