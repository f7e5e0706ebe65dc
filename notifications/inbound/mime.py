"""Reading raw RFC 822 messages defensively: real-world mail has wrong charsets, broken
encodings and odd structures, and none of that may stop us from keeping the message."""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr

from django.utils.translation import gettext as _

from tickets.attachments import name_for_type

from .text import html_to_text, is_forwarded, sanitize_html, trim_quoted

MESSAGE_ID_RE = re.compile(r"<[^<>\s]+>")
TICKET_TOKEN_RE = re.compile(r"\[\s*(OC-\d{4}-\d{6})\s*\]", re.IGNORECASE)
# Reply and forward prefixes of common mail clients (fr, en, de, nl, nordic), possibly repeated.
PREFIX_RE = re.compile(
    r"^\s*((re|r[ée]f|tr|fwd?|aw|wg|antw|sv|vs|rv)\s*(\[\d+\]|\(\d+\))?\s*:\s*)+", re.IGNORECASE
)
FORWARD_RE = re.compile(r"^\s*(tr|fwd?|wg|rv)\s*:", re.IGNORECASE)
REPLY_RE = re.compile(r"^\s*(re|r[ée]f|aw|sv|antw|vs)\s*(\[\d+\]|\(\d+\))?\s*:", re.IGNORECASE)
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
LATIN_CHARSETS = {
    "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso-8859-15", "windows-1252", "cp1252",
}  # fmt: skip


class MalformedMail(ValueError):
    """The bytes are not a usable email (no headers, no sender…)."""


@dataclass
class ParsedMail:
    message_id: str
    sender: str  # lower-case address
    sender_display: str  # "Name <address>" as written
    subject: str
    in_reply_to: list[str]
    references: list[str]
    text: str  # the new part of the body, quotes trimmed
    html: str  # sanitised HTML body, if any
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    automatic: str = ""  # why the message is automatic (auto-reply, bounce…), else ""
    is_forward: bool = False
    defects: list[str] = field(default_factory=list)  # MIME damage the parser worked around
    to: list[str] = field(default_factory=list)  # lower-case addresses
    cc: list[str] = field(default_factory=list)

    @property
    def ticket_token(self) -> str | None:
        match = TICKET_TOKEN_RE.search(self.subject)
        return match.group(1).upper() if match else None

    @property
    def clean_subject(self) -> str:
        return PREFIX_RE.sub("", self.subject).strip()


def synthetic_message_id(raw: bytes) -> str:
    """Identity of a message without (a usable) Message-ID: the same bytes, the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def load(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def raw_header(message: Message, name: str) -> str:
    """The header's value unfolded but not decoded (addresses parse best that way)."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return " ".join(str(value).split())
    return ""


def header(message: Message, name: str) -> str:
    """A header as text, or "" — never raises. Encoded words are decoded with the same charset
    fallbacks as bodies (a "utf-8" word that is really Latin-1 still reads right)."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return _decode_words(str(value))
    return ""


def _decode_words(value: str) -> str:
    parts = []
    try:
        chunks = decode_header(value)
    except Exception:  # a malformed encoded word: keep the raw text
        chunks = [(value, None)]
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            # Raw 8-bit header bytes arrive as surrogate escapes: decode them properly.
            chunk = chunk.encode("utf-8", "surrogateescape")
            charset = None
        parts.append(decode_bytes(chunk, charset or "utf-8"))
    return " ".join("".join(parts).split())


def message_id_of(message: Message, raw: bytes) -> str:
    found = MESSAGE_ID_RE.findall(header(message, "Message-ID"))
    return found[0][:998] if found else synthetic_message_id(raw)


def peek(raw: bytes) -> tuple[str, str, str]:
    """(message id, sender, subject) for storing a message before any real parsing."""
    try:
        message = load(raw)
        return (
            message_id_of(message, raw),
            header(message, "From")[:320],
            header(message, "Subject")[:500],
        )
    except Exception:
        return synthetic_message_id(raw), "", ""


def parse(raw: bytes) -> ParsedMail:
    """Everything processing needs. Raises ``MalformedMail`` when there is no message to
    speak of (empty, no headers, no sender address)."""
    if not raw or not raw.strip():
        raise MalformedMail("Message vide.")
    message = load(raw)
    if not message.keys():
        raise MalformedMail("Aucun en-tête : ce n'est pas un message RFC 822.")
    display = header(message, "From")
    _name, address = parseaddr(raw_header(message, "From"))
    if "@" not in address:
        raise MalformedMail(f"Expéditeur absent ou illisible : {display[:200]!r}.")
    subject = header(message, "Subject")
    bodies: dict[str, list[str]] = {"plain": [], "html": [], "attached": []}
    attachments: list[tuple[str, bytes]] = []
    _collect(message, bodies, attachments)
    html = sanitize_html("\n".join(bodies["html"])) if bodies["html"] else ""
    in_reply_to = MESSAGE_ID_RE.findall(header(message, "In-Reply-To"))
    references = MESSAGE_ID_RE.findall(header(message, "References"))
    if bodies["plain"]:
        full = "\n\n".join(bodies["plain"]).replace("\r\n", "\n").replace("\r", "\n")
    else:
        full = html_to_text(html, trim_quotes=False) if html else ""
    is_reply = bool(in_reply_to or references or REPLY_RE.match(subject))
    # A forward's quoted part is the request itself, with or without "TR:" in the subject.
    is_forward = bool(FORWARD_RE.match(subject)) or is_forwarded(full, is_reply=is_reply)
    if is_forward:
        text = full.strip()
    elif bodies["plain"]:
        text = trim_quoted(full)
    else:
        text = trim_quoted(html_to_text(html)) if html else ""
    text = "\n\n".join(part for part in [text, *bodies["attached"]] if part)
    return ParsedMail(
        message_id=message_id_of(message, raw),
        sender=address.strip().lower(),
        sender_display=display,
        subject=subject,
        in_reply_to=in_reply_to,
        references=references,
        text=text,
        html=html,
        attachments=attachments,
        automatic=automatic_reason(message, address.lower()),
        is_forward=is_forward,
        defects=sorted({type(d).__name__ for part in message.walk() for d in part.defects}),
        to=addresses(raw_header(message, "To")),
        cc=addresses(raw_header(message, "Cc")),
    )


def automatic_reason(message: Message, sender: str) -> str:
    """Why a message must never create a ticket nor be answered, or "" for a person's mail."""
    auto_submitted = header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    if header(message, "X-Auto-Response-Suppress"):
        return "X-Auto-Response-Suppress"
    precedence = header(message, "Precedence").lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Failed-Recipients"):
        if header(message, name):
            return name
    if message.get_content_type() == "multipart/report":
        return "Accusé ou avis de non-remise (multipart/report)"
    if sender.split("@")[0] in BOUNCE_SENDERS:
        return f"Expéditeur automatique ({sender})"
    if header(message, "X-Oceanis-Ticket"):
        return "Mail envoyé par le service desk lui-même (boucle)"
    return ""


def _collect(part: Message, bodies: dict, attachments: list) -> None:
    """Walk the MIME tree: text parts become the body, files (and attached emails) attachments."""
    ctype = part.get_content_type()
    if ctype == "message/rfc822":
        attachments.append(_attached_message(part, len(attachments)))
        bodies["attached"].append(_attached_text(part))
        return
    if part.is_multipart():
        for sub in part.get_payload():
            _collect(sub, bodies, attachments)
        return
    filename = _filename(part)
    disposition = (part.get_content_disposition() or "").lower()
    if not filename and disposition != "attachment" and ctype in ("text/plain", "text/html"):
        bodies["plain" if ctype == "text/plain" else "html"].append(decode_text(part))
        return
    payload = part.get_payload(decode=True) or b""
    if not payload:
        return
    # A file without extension (scanners, phones) is named after its declared type, if allowed.
    filename = name_for_type(filename or f"piece-jointe-{len(attachments) + 1}", ctype)
    attachments.append((filename, payload))


def _attached_message(part: Message, index: int) -> tuple[str, bytes]:
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    try:
        content = inner.as_bytes(policy=policy.default.clone(linesep="\r\n"))
    except Exception:
        content = bytes(str(inner), "utf-8", "replace")
    subject = header(inner, "Subject") if isinstance(inner, Message) else ""
    stem = re.sub(r"[^\w .-]+", "_", subject).strip()[:80] or f"message-{index + 1}"
    return f"{stem}.eml", content


def _attached_text(part: Message) -> str:
    """A mail forwarded as an attachment, readable in the ticket: its headers and its whole
    text (nothing of it is someone's quoted history); the .eml stays attached as sent."""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    if not isinstance(inner, Message):
        return ""
    bodies: dict[str, list[str]] = {"plain": [], "html": [], "attached": []}
    _collect(inner, bodies, [])
    if bodies["plain"]:
        text = "\n\n".join(bodies["plain"]).replace("\r\n", "\n").replace("\r", "\n").strip()
    else:
        text = html_to_text(sanitize_html("\n".join(bodies["html"])), trim_quotes=False)
    lines = [f"---------- {_('Message joint')} ----------"]
    for label, name in ((_("De"), "From"), (_("Date"), "Date"), (_("Objet"), "Subject")):
        if value := header(inner, name):
            lines.append(f"{label} : {value}")
    return "\n".join([*lines, "", text, *bodies["attached"]]).strip()


def _filename(part: Message) -> str:
    try:
        return part.get_filename() or ""
    except Exception:
        return "piece-jointe"


def decode_text(part: Message) -> str:
    """Text of a part whatever its declared charset: the declared one if it decodes cleanly,
    else UTF-8, else Windows-1252 (what "latin-1" mail usually is), replacing what is left."""
    payload = part.get_payload(decode=True)
    if payload is None:
        payload = str(part.get_payload()).encode("utf-8", "surrogateescape")
    return decode_bytes(payload, part.get_content_charset() or "utf-8")


def decode_bytes(payload: bytes, declared: str) -> str:
    """Decode with the declared charset if it works, else UTF-8, else Windows-1252."""
    declared = declared.lower()
    if declared in LATIN_CHARSETS and not payload.isascii():
        # UTF-8 labelled as Latin-1 is common; valid UTF-8 multi-byte text by chance is not.
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for charset in (declared, "utf-8"):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return payload.decode("cp1252", errors="replace")


def addresses(value: str) -> list[str]:
    return [address.lower() for _name, address in getaddresses([value]) if "@" in address]
