"""Files without an extension are named after their declared type when that type is allowed
(every upload path goes through ``validate_upload``); dangerous types stay refused."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_ticket
from tickets.attachments import (
    ALLOWED_EXTENSIONS,
    TYPE_EXTENSIONS,
    attachment_add,
    validate_upload,
)


@pytest.mark.parametrize(
    ("name", "content_type", "stored"),
    [
        ("Scan", "application/pdf", "Scan.pdf"),
        ("", "image/jpeg", "piece-jointe.jpg"),
        ("Scan 26.10.2026", "application/pdf", "Scan 26.10.2026.pdf"),  # a date is no extension
        ("photo", "IMAGE/JPEG; charset=binary", "photo.jpg"),
        ("rapport.pdf", "image/png", "rapport.pdf"),  # an extension is never rewritten
        ("export", "application/vnd.ms-excel", "export.xls"),
    ],
)
def test_the_declared_type_names_a_file_that_has_no_extension(name, content_type, stored):
    assert validate_upload(name, 10, content_type) == stored


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("facture.exe", "application/pdf"),  # a dangerous extension is not saved by its type
        ("page", "text/html"),
        ("dessin", "image/svg+xml"),
        ("Scan", ""),  # no extension and no type: still refused
    ],
)
def test_dangerous_files_stay_refused_whatever_their_declared_type(name, content_type):
    with pytest.raises(ValidationError, match="Type de fichier non autorisé"):
        validate_upload(name, 10, content_type)


def test_every_declared_type_leads_to_an_allowed_extension():
    assert set(TYPE_EXTENSIONS.values()) <= ALLOWED_EXTENSIONS


@pytest.mark.django_db
def test_attachment_add_names_and_types_an_extension_less_upload(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ticket = make_ticket()
    attachment = attachment_add(
        ticket=ticket, name="IMG_0001", content=b"\xff\xd8\xff", content_type="image/jpeg"
    )
    assert (attachment.original_name, attachment.content_type) == ("IMG_0001.jpg", "image/jpeg")
