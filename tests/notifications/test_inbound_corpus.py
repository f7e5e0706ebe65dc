"""The raw email corpus (tests/fixtures/mail/) through the whole inbound pipeline: what each
real-world message becomes, and that nothing is ever lost or processed twice."""

from __future__ import annotations

import pytest

from notifications.inbound.service import inbound_receive
from notifications.models import InboundMessage, KnownMessageId
from tickets.models import Attachment, Channel, EventKind, Ticket, TicketEvent

from .corpus import CORPUS, raw

pytestmark = pytest.mark.django_db

REPLY = "reply"  # an email_in entry on OC-2026-000123
NEW = "new"  # a new ticket, channel email

# file → (status, outcome, words that must be in the text, words that must not)
EXPECTED = {
    "01-outlook-fr-reply.eml": ("processed", REPLY, ["fonctionne de nouveau"], ["Nous avons bien"]),
    "02-gmail-fr-reply.eml": ("processed", REPLY, ["bourrage papier bac 2"], ["Nous avons bien"]),
    "03-outlook-forward-with-token.eml": ("processed", REPLY, ["kit de fusion"], []),
    "04-german-aw-reply-token-only.eml": ("processed", REPLY, ["tout est OK"], ["Alte Nachricht"]),
    "05-new-request-plain.eml": ("processed", NEW, ["écran noir après le logo Dell"], []),
    "06-gmail-forward-new-request.eml": ("processed", NEW, ["SRV-ERP : Failed"], []),
    "07-outlook-auto-reply.eml": ("ignored", None, [], []),
    "08-legacy-out-of-office-precedence.eml": ("ignored", None, [], []),
    "09-bounce-dsn.eml": ("ignored", None, [], []),
    "10-multipart-with-attachments.eml": (
        "processed",
        NEW,
        ["erreur C-2557", "outil-reset.exe"],
        [],
    ),
    "11-broken-encoding-latin1-declared-utf8.eml": (
        "processed",
        NEW,
        ["l'accès VPN est refusé"],
        [],
    ),
    "12-unknown-charset.eml": ("processed", NEW, ["n'apparaît plus"], []),
    "13-html-only-with-script.eml": (
        "processed",
        NEW,
        ["\\\\SRV-FIC01\\Compta", "- depuis le poste de Julie", "<https://intranet"],
        ["document.cookie", "alert", "Historique", "color: red"],
    ),
    "14-unknown-sender.eml": ("triage", None, [], []),
    "15-garbage-not-a-message.eml": ("failed", None, [], []),
    "16-no-message-id.eml": ("processed", NEW, ["clignote"], []),
    "17-mailing-list.eml": ("ignored", None, [], []),
    "18-forwarded-as-attachment.eml": ("processed", NEW, ["phishing"], []),
    "19-our-own-mail-looped-back.eml": ("ignored", None, [], []),
    "20-rfc2047-subject-rfc2231-filename.eml": ("processed", REPLY, ["bon d'intervention"], []),
    "21-staff-reply-to-gti-warning.eml": ("processed", REPLY, ["je passe après"], ["Original"]),
    "22-apple-mail-reply.eml": ("processed", REPLY, ["Merci beaucoup"], ["a été clôturée"]),
    "23-headers-only-truncated.eml": ("processed", NEW, ["disque en alerte (baie 3)"], []),
    "24-spoofed-token-other-client.eml": ("triage", None, [], []),
    "25-json-instead-of-mime.eml": ("failed", None, [], []),
}


def test_the_corpus_has_at_least_15_messages_and_each_has_an_expectation():
    files = sorted(path.name for path in CORPUS.glob("*.eml"))
    assert len(files) >= 15
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_corpus_message_becomes_what_it_should(name, ticket_123, julien, other_client):
    status, outcome, present, absent = EXPECTED[name]
    tickets_before = Ticket.objects.count()
    events_before = TicketEvent.objects.filter(ticket=ticket_123).count()
    message, created = inbound_receive(raw(name), InboundMessage.Source.IMAP)
    assert created
    message.refresh_from_db()
    assert message.status == status, message.error
    assert bytes(message.raw) == raw(name)  # the raw bytes are always kept, whatever happens
    new_tickets = Ticket.objects.count() - tickets_before
    new_entries = TicketEvent.objects.filter(ticket=ticket_123).count() - events_before
    if outcome == REPLY:
        assert (new_tickets, new_entries) == (0, 1)
        event = message.event
        assert event.ticket == ticket_123 and event.kind == EventKind.EMAIL_IN
        assert event.actor is None and event.payload["from_email"] in event.body
        text = event.body
    elif outcome == NEW:
        assert (new_tickets, new_entries) == (1, 0)
        ticket = message.ticket
        assert ticket.channel == Channel.EMAIL and ticket.contact.client.code == "acme"
        assert message.event.kind == EventKind.CREATED
        text = ticket.description
    else:
        assert (new_tickets, new_entries) == (0, 0)
        assert message.ticket is None and message.error
        text = ""
    for word in present:
        assert word in text
    for word in absent:
        assert word not in text


def test_a_reply_to_a_staff_only_mail_stays_an_internal_note(ticket_123, julien):
    message, _ = inbound_receive(raw("21-staff-reply-to-gti-warning.eml"), "imap")
    assert message.event.public is False


def test_client_replies_are_public_and_remembered_for_the_next_reply(ticket_123):
    message, _ = inbound_receive(raw("01-outlook-fr-reply.eml"), "imap")
    assert message.event.public is True
    known = KnownMessageId.objects.get(message_id=message.message_id)
    assert (known.ticket, known.direction, known.audience) == (ticket_123, "in", "client")


def test_titles_and_contacts_of_new_tickets_come_from_the_mail(acme):
    forwarded, _ = inbound_receive(raw("06-gmail-forward-new-request.eml"), "imap")
    assert forwarded.ticket.title == "Alerte sauvegarde Veeam - 3 VMs en erreur"
    assert forwarded.ticket.contact == acme.jerome
    latin, _ = inbound_receive(raw("11-broken-encoding-latin1-declared-utf8.eml"), "imap")
    assert latin.ticket.title == "Accès VPN refusé"
    mixed_case, _ = inbound_receive(raw("05-new-request-plain.eml"), "imap")
    assert mixed_case.ticket.contact == acme.marie  # Marie.Dupont@Acme-Industrie.fr


def test_attachments_are_stored_and_refused_types_noted(acme):
    message, _ = inbound_receive(raw("10-multipart-with-attachments.eml"), "imap")
    stored = Attachment.objects.filter(ticket=message.ticket).order_by("original_name")
    assert [a.original_name for a in stored] == ["ecran-copieur.png", "rapport-C2557.pdf"]
    assert all(a.event == message.event for a in stored)
    assert stored[1].file.read().startswith(b"%PDF-1.4")
    assert "Pièces jointes refusées" in message.ticket.description
    assert "Type de fichier non autorisé : outil-reset.exe" in message.ticket.description
    eml, _ = inbound_receive(raw("18-forwarded-as-attachment.eml"), "imap")
    attached = Attachment.objects.get(ticket=eml.ticket)
    assert attached.original_name == "Remboursement en attente.eml"
    assert b"phish-001@impots-remboursement.example" in attached.file.read()


def test_an_encoded_filename_reaches_the_ticket_intact(ticket_123):
    inbound_receive(raw("20-rfc2047-subject-rfc2231-filename.eml"), "imap")
    assert Attachment.objects.get(ticket=ticket_123).original_name == (
        "bon d'intervention signé.pdf"
    )


def test_html_is_sanitised_before_being_kept(acme):
    message, _ = inbound_receive(raw("13-html-only-with-script.eml"), "imap")
    html = message.body_html
    assert "<script" not in html and "onload" not in html and "onerror" not in html
    assert "<li>depuis le poste de Julie</li>" in html


def test_the_same_message_id_twice_creates_nothing_new(ticket_123, julien, other_client):
    for name in sorted(EXPECTED):
        inbound_receive(raw(name), "imap")
    counts = (Ticket.objects.count(), TicketEvent.objects.count(), InboundMessage.objects.count())
    for name in sorted(EXPECTED):
        message, created = inbound_receive(raw(name), "http")
        assert not created and message.source == "imap"
    assert (
        Ticket.objects.count(),
        TicketEvent.objects.count(),
        InboundMessage.objects.count(),
    ) == (counts)


def test_a_message_without_message_id_is_recognised_by_its_bytes(acme):
    first, created = inbound_receive(raw("16-no-message-id.eml"), "imap")
    assert created and first.message_id.endswith("@no-message-id.invalid>")
    again, created = inbound_receive(raw("16-no-message-id.eml"), "imap")
    assert not created and again.pk == first.pk


def test_malformed_mime_is_kept_as_a_failed_record_with_the_error(db):
    message, _ = inbound_receive(raw("15-garbage-not-a-message.eml"), "http")
    assert message.status == "failed"
    assert "RFC 822" in message.error
    assert bytes(message.raw).startswith(b"PK\x03\x04")


def test_damaged_mime_that_still_reads_is_processed_with_a_note(acme):
    message, _ = inbound_receive(raw("23-headers-only-truncated.eml"), "imap")
    assert message.status == "processed"
    assert "CloseBoundaryNotFoundDefect" in message.error


def test_a_forged_subject_token_from_another_client_goes_to_triage(ticket_123, other_client):
    message, _ = inbound_receive(raw("24-spoofed-token-other-client.eml"), "imap")
    assert message.status == "triage"
    assert "inconnu de ce client" in message.error
    assert not ticket_123.events.filter(kind=EventKind.EMAIL_IN).exists()
