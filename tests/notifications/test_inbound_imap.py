"""IMAP polling with a fake mailbox: messages are stored before the mailbox forgets them."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from imap_tools import MailMessageFlags

from notifications.inbound import imap
from notifications.inbound.imap import RawMailMessage, fetch_loop
from notifications.models import InboundMessage
from tickets.models import Ticket

from .corpus import raw

pytestmark = pytest.mark.django_db


class FakeItem:
    def __init__(self, uid, data):
        self.uid, self.raw = uid, data


class FakeMailbox:
    """What fetch_loop uses of imap-tools' MailBox, recording what the server was told."""

    def __init__(self, *names):
        self.items = [FakeItem(str(i + 1), raw(name)) for i, name in enumerate(names)]
        self.seen, self.moved, self.fetch_args = [], [], None

    def fetch(self, criteria, **kwargs):
        self.fetch_args = (str(criteria), kwargs)
        yield from self.items

    def flag(self, uid, flags, value):
        assert (flags, value) == (MailMessageFlags.SEEN, True)
        self.seen.append(uid)

    def move(self, uid, folder):
        self.moved.append((uid, folder))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_unseen_messages_are_stored_processed_then_marked_seen(acme):
    mailbox = FakeMailbox("05-new-request-plain.eml", "14-unknown-sender.eml", "09-bounce-dsn.eml")
    report = fetch_loop(mailbox)
    assert mailbox.fetch_args == ("(UNSEEN)", {"mark_seen": False, "limit": None, "bulk": False})
    assert mailbox.seen == ["1", "2", "3"]
    assert report.fetched == 3
    assert report.statuses == {"processed": 1, "triage": 1, "ignored": 1}
    assert InboundMessage.objects.filter(source="imap").count() == 3
    assert Ticket.objects.count() == 1


def test_messages_can_be_moved_to_a_folder_instead(acme):
    mailbox = FakeMailbox("05-new-request-plain.eml")
    fetch_loop(mailbox, done_folder="Traités")
    assert (mailbox.moved, mailbox.seen) == ([("1", "Traités")], [])


def test_a_message_that_cannot_be_stored_stays_unseen_on_the_server(acme, monkeypatch):
    def database_down(raw_bytes, source):
        raise ConnectionError("database unavailable")

    monkeypatch.setattr(imap, "inbound_store", database_down)
    mailbox = FakeMailbox("05-new-request-plain.eml")
    with pytest.raises(ConnectionError):
        fetch_loop(mailbox)
    assert mailbox.seen == [] and mailbox.moved == []


def test_a_message_fetched_again_is_a_duplicate_and_is_still_marked_seen(acme):
    fetch_loop(FakeMailbox("05-new-request-plain.eml"))
    mailbox = FakeMailbox("05-new-request-plain.eml")
    report = fetch_loop(mailbox)
    assert (report.duplicates, mailbox.seen) == (1, ["1"])
    assert Ticket.objects.count() == 1


def test_messages_stored_but_never_processed_are_processed_on_the_next_run(acme):
    InboundMessage.objects.create(
        message_id="<left-over@acme-industrie.fr>",
        raw=raw("05-new-request-plain.eml"),
        source="imap",
    )
    fetch_loop(FakeMailbox())
    assert InboundMessage.objects.get().status == "processed"
    assert Ticket.objects.count() == 1


def test_the_imap_message_class_keeps_the_exact_raw_bytes():
    data = raw("11-broken-encoding-latin1-declared-utf8.eml")
    header = b"7 (UID 4242 FLAGS (\\Recent) RFC822 {%d}" % len(data)
    message = RawMailMessage([(header, data), b")"])
    assert message.raw == data and message.uid == "4242"


def test_the_command_needs_the_imap_settings(settings):
    settings.IMAP_HOST = ""
    with pytest.raises(CommandError, match="IMAP_HOST"):
        call_command("fetch_mail")


def test_the_command_reports_an_unreachable_server(settings, monkeypatch):
    settings.IMAP_HOST, settings.IMAP_USER, settings.IMAP_PASSWORD = "imap.test", "u", "p"

    def refused(*args):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr("notifications.management.commands.fetch_mail.open_mailbox", refused)
    with pytest.raises(CommandError, match="Connexion IMAP impossible"):
        call_command("fetch_mail")


def test_the_command_polls_the_configured_mailbox(settings, monkeypatch, acme, capsys):
    settings.IMAP_HOST, settings.IMAP_USER, settings.IMAP_PASSWORD = "imap.test", "u", "p"
    settings.IMAP_FOLDER, settings.IMAP_DONE_FOLDER = "INBOX", ""
    opened = []
    mailbox = FakeMailbox("05-new-request-plain.eml", "07-outlook-auto-reply.eml")

    settings.IMAP_SSL_CAFILE, settings.IMAP_TIMEOUT_SECONDS = "/etc/oceanis/ca.pem", 12

    def open_mailbox(*args, **kwargs):
        opened.append((args, kwargs))
        return mailbox

    monkeypatch.setattr("notifications.management.commands.fetch_mail.open_mailbox", open_mailbox)
    call_command("fetch_mail")
    assert opened == [
        (("imap.test", 993, "u", "p", "INBOX"), {"cafile": "/etc/oceanis/ca.pem", "timeout": 12})
    ]
    assert "2 message(s) relevé(s) (ignored : 1, processed : 1)." in capsys.readouterr().out
