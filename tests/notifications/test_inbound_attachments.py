"""Attachments without an extension (scanners, phones) are kept when their declared type is an
allowed one, under a name with that type's extension; dangerous types stay refused."""

from __future__ import annotations

import base64

import pytest

from notifications.inbound.service import inbound_receive
from tickets.models import Attachment


def _mail_with(*parts: tuple[str, str, bytes], message_id: str = "scan-0001") -> bytes:
    """A request from Marie with the given (Content-Type, Content-Disposition, bytes) parts."""
    chunks = [
        "From: Marie Dupont <marie.dupont@acme-industrie.fr>",
        "To: support@oceanis.fr",
        "Subject: Bon de livraison scanné",
        "Date: Thu, 29 Oct 2026 09:40:00 +0100",
        f"Message-ID: <{message_id}@acme-industrie.fr>",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b-1"',
        "",
        "--b-1",
        'Content-Type: text/plain; charset="utf-8"',
        "",
        "Voici le bon de livraison scanné par le copieur.",
    ]
    for content_type, disposition, payload in parts:
        chunks += [
            "--b-1",
            f"Content-Type: {content_type}",
            "Content-Transfer-Encoding: base64",
            f"Content-Disposition: {disposition}",
            "",
            base64.encodebytes(payload).decode().strip(),
        ]
    chunks.append("--b-1--")
    return ("\r\n".join(chunks) + "\r\n").encode()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.mark.django_db
def test_a_scan_sent_without_extension_is_stored_as_a_pdf(acme):
    mail = _mail_with(
        ('application/pdf; name="SCAN_0042"', 'attachment; filename="SCAN_0042"', PDF),
        ("application/pdf", "attachment", PDF),  # no name at all
    )
    message, _created = inbound_receive(mail, "imap")
    assert message.status == "processed"
    stored = Attachment.objects.filter(ticket=message.ticket).order_by("original_name")
    assert [(a.original_name, a.content_type) for a in stored] == [
        ("SCAN_0042.pdf", "application/pdf"),
        ("piece-jointe-2.pdf", "application/pdf"),
    ]
    assert stored[0].file.read() == PDF
    assert "refusées" not in message.ticket.description


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content_type",
    ["text/html", "image/svg+xml", "application/x-msdownload", "application/octet-stream"],
)
def test_an_extension_less_file_of_a_dangerous_or_unknown_type_is_refused_and_noted(
    acme, content_type
):
    mail = _mail_with(
        (f'{content_type}; name="programme"', 'attachment; filename="programme"', b"MZ\x90\x00")
    )
    message, _created = inbound_receive(mail, "imap")
    assert message.status == "processed"
    assert not Attachment.objects.filter(ticket=message.ticket).exists()
    assert "Pièces jointes refusées" in message.ticket.description
    assert "programme" in message.ticket.description
