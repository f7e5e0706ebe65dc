"""Project documents: staff share files with a client."""

from __future__ import annotations

import mimetypes

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from clients.models import Client
from tickets.attachments import EXTRA_TYPES, validate_upload
from tickets.models import Ticket

from .models import ProjectDocument


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
