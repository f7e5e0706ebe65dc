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


# Declared types of files sent without an extension (scanners, phones, some mail clients) and the
# extension they are stored under. Only types of allowed extensions: HTML, SVG, scripts and
# executables stay refused whatever name they come with.
TYPE_EXTENSIONS = {
    "application/pdf": ".pdf",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/zip": ".zip",
    "application/x-zip-compressed": ".zip",
    "application/x-7z-compressed": ".7z",
    "application/gzip": ".gz",
    "application/x-gzip": ".gz",
    "message/rfc822": ".eml",
    "application/vnd.ms-outlook": ".msg",
    "application/json": ".json",
    "application/xml": ".xml",
    "text/xml": ".xml",
}
DEFAULT_STEM = "piece-jointe"


def safe_filename(name: str) -> str:
    """A display name without paths, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", name).strip().lstrip(".")
    return name[:200] or "fichier"


def extension(name: str) -> str:
    """ ".pdf" for "rapport.PDF"; "" when there is none — a numeric suffix ("Scan 26.10.2026",
    "v1.2") is part of the name, not an extension."""
    suffix = name.rsplit(".", 1)[-1] if "." in name else ""
    return "" if not suffix or suffix.isdigit() else "." + suffix.lower()


def name_for_type(name: str, content_type: str) -> str:
    """The sanitised name, completed with the extension of its declared type when it has none
    and the type is allowed ("Scan" sent as application/pdf → "Scan.pdf")."""
    clean = safe_filename(name) if (name or "").strip() else DEFAULT_STEM
    declared = (content_type or "").split(";")[0].strip().lower()
    if not extension(clean) and declared in TYPE_EXTENSIONS:
        return clean + TYPE_EXTENSIONS[declared]
    return clean


def validate_upload(name: str, size: int, content_type: str = "") -> str:
    """Return the name to store (sanitised, with an extension implied by ``content_type`` when
    it has none), or raise a ValidationError saying what is wrong."""
    clean = name_for_type(name, content_type)
    if extension(clean) not in ALLOWED_EXTENSIONS:
        shown = f"{clean} ({content_type})" if content_type and not extension(clean) else clean
        raise ValidationError(
            _("Type de fichier non autorisé : %(name)s"), code="file_type", params={"name": shown}
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
    content_type: str = "",
) -> Attachment:
    """Store a validated file on a ticket. The stored content type is derived from the name
    (``content_type`` only names an extension-less file), never trusted from the client, and
    downloads are always served as attachments."""
    clean = validate_upload(name, len(content), content_type)
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
