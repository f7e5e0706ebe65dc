"""Attachment validation shared by every upload path (back-office, extranet, inbound mail, API)."""

from __future__ import annotations

import mimetypes
import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Attachment, Ticket, TicketEvent

# Documents, images, archives and logs; never HTML, SVG or executables (stored XSS, malware).
ALLOWED_EXTENSIONS = {
    ".pdf", ".txt", ".log", ".csv", ".png", ".jpg", ".jpeg", ".gif", ".webp",
    ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".odp",
    ".zip", ".7z", ".gz", ".eml", ".msg", ".json", ".xml", ".conf", ".cfg",
}  # fmt: skip


# Types the platform's mimetypes table may not know.
EXTRA_TYPES = {
    "log": "text/plain",
    "conf": "text/plain",
    "cfg": "text/plain",
    "msg": "application/vnd.ms-outlook",
}


def safe_filename(name: str) -> str:
    """A display name without paths, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", name).strip().lstrip(".")
    return name[:200] or "fichier"


def validate_upload(name: str, size: int) -> str:
    """Return the sanitised name, or raise a ValidationError saying what is wrong."""
    clean = safe_filename(name)
    ext = ("." + clean.rsplit(".", 1)[-1].lower()) if "." in clean else ""
    if ext not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            _("Type de fichier non autorisé : %(name)s"), code="file_type", params={"name": clean}
        )
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("Fichier trop volumineux : %(name)s (maximum %(max)s Mo)"),
            code="file_size",
            params={"name": clean, "max": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)},
        )
    return clean


def attachment_add(
    *,
    ticket: Ticket,
    name: str,
    content: bytes,
    by=None,
    event: TicketEvent | None = None,
    public: bool = True,
) -> Attachment:
    """Store a validated file on a ticket. The stored content type is derived from the name,
    never trusted from the client, and downloads are always served as attachments."""
    clean = validate_upload(name, len(content))
    ext = clean.rsplit(".", 1)[-1].lower()
    content_type = (
        EXTRA_TYPES.get(ext) or mimetypes.guess_type(clean)[0] or "application/octet-stream"
    )
    with transaction.atomic():
        attachment = Attachment(
            ticket=ticket,
            event=event,
            original_name=clean,
            content_type=content_type,
            size=len(content),
            public=public,
            uploaded_by=by,
        )
        attachment.file.save(clean, ContentFile(content), save=False)
        attachment.save()
    return attachment
