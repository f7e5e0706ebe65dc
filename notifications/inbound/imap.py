"""Polling an IMAP mailbox: every message is stored (committed) before the mailbox is told to
forget it (flag \\Seen, or move to a folder), so a crash at any point loses nothing."""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field

from imap_tools import AND, MailBox, MailMessage, MailMessageFlags

from ..models import InboundMessage
from .service import inbound_process, inbound_store, process_pending

logger = logging.getLogger(__name__)


class RawMailMessage(MailMessage):
    """imap-tools' message keeping the exact raw bytes (``obj.as_bytes()`` would re-encode)."""

    def __init__(self, fetch_data: list) -> None:
        super().__init__(fetch_data)
        self.raw: bytes = self._get_message_data_parts(fetch_data)[0]


@dataclass
class FetchReport:
    fetched: int = 0
    duplicates: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def tls_context(cafile: str = "") -> ssl.SSLContext:
    """Certificate and host name verified: against ``cafile`` (a private CA's PEM bundle) when
    given, else the system's CA store. imaplib's own default verifies nothing."""
    return ssl.create_default_context(cafile=cafile or None)


def open_mailbox(
    host: str,
    port: int,
    user: str,
    password: str,
    folder: str,
    *,
    cafile: str = "",
    timeout: float | None = 30,
) -> MailBox:
    """A logged-in mailbox over verified TLS returning ``RawMailMessage`` objects. ``timeout``
    bounds the connection and then every read, so a silent server cannot hang the poller."""
    mailbox = MailBox(host, port=port, timeout=timeout, ssl_context=tls_context(cafile))
    mailbox.email_message_class = RawMailMessage
    return mailbox.login(user, password, initial_folder=folder)


def fetch_loop(mailbox, *, done_folder: str = "", limit: int | None = None) -> FetchReport:
    """Store and process the unseen messages of ``mailbox`` (anything with imap-tools'
    ``fetch``/``flag``/``move``), then mark each seen or move it — only once stored."""
    report = FetchReport()
    process_pending()  # leftovers of an interrupted run
    for item in mailbox.fetch(AND(seen=False), mark_seen=False, limit=limit, bulk=False):
        message, created = inbound_store(item.raw, InboundMessage.Source.IMAP)
        if created:
            message = inbound_process(message)
        else:
            report.duplicates += 1
        report.fetched += 1
        report.statuses[message.status] = report.statuses.get(message.status, 0) + 1
        if done_folder:
            mailbox.move(item.uid, done_folder)
        else:
            mailbox.flag(item.uid, MailMessageFlags.SEEN, True)
    return report
