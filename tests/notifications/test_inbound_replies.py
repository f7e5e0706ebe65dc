"""A client's mail reply moves the ticket: resumes it, reopens it, or opens its follow-up; a reply
to a closed ticket is never a silent entry on it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications.inbound.service import inbound_receive
from tests.factories import TechnicianFactory, make_ticket
from tickets import services
from tickets.models import EventKind, PendingOn, State, Ticket

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
RESOLVED_AT = datetime(2026, 12, 16, 10, 0, tzinfo=PARIS)  # Wednesday
REOPEN_DEADLINE = datetime(2026, 12, 31, 10, 0, tzinfo=PARIS)  # 10 business days, Christmas off


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="jmartin", user__email="jmartin@oceanis.fr")


@pytest.fixture
def ticket(acme, tech):
    ticket = make_ticket(client=acme, contact=acme.marie, title="Imprimante bloquée")
    services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    return ticket


def _mail(subject: str, body: str, *, in_reply_to: str = "", sender: str = "", extra: str = ""):
    sender = sender or "Marie Dupont <marie.dupont@acme-industrie.fr>"
    threading = (
        f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n" if in_reply_to else ""
    )
    return (
        f"From: {sender}\r\n"
        "To: support@oceanis.fr\r\n"
        f"Subject: {subject}\r\n"
        f"Message-ID: <reply-{abs(hash((subject, body)))}@acme-industrie.fr>\r\n"
        f"{threading}{extra}"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def _with_attachment(subject: str, body: str, in_reply_to: str) -> bytes:
    return (
        "From: Marie Dupont <marie.dupont@acme-industrie.fr>\r\n"
        "To: support@oceanis.fr\r\n"
        f"Subject: {subject}\r\n"
        "Message-ID: <reply-with-file@acme-industrie.fr>\r\n"
        f"In-Reply-To: {in_reply_to}\r\nReferences: {in_reply_to}\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
        '--b1\r\nContent-Type: text/plain; name="erreur.log"\r\n'
        'Content-Disposition: attachment; filename="erreur.log"\r\n\r\n'
        "paper jam 13.B\r\n--b1--\r\n"
    ).encode()


def _last_mail_to(mailoutbox, address: str):
    return [m for m in mailoutbox if address in m.to][-1]


def _close(ticket, tech, committed):
    with time_machine.travel(RESOLVED_AT, tick=False), committed():
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Bac papier remplacé.")
        services.ticket_close(ticket=ticket, by=tech.user, synthesis="Bac papier remplacé.")


def test_a_reply_to_the_closure_mail_opens_a_linked_follow_up_ticket(
    ticket, tech, acme, mailoutbox, committed
):
    _close(ticket, tech, committed)
    closure = _last_mail_to(mailoutbox, "marie.dupont@acme-industrie.fr")
    reply = _with_attachment(
        f"RE: {closure.subject}", "Le bourrage est revenu.", closure.extra_headers["Message-ID"]
    )
    with committed():
        message, _ = inbound_receive(reply, "imap")
    new = Ticket.objects.get(follow_up_of=ticket)
    assert message.status == "processed" and message.ticket == new
    assert message.event == new.events.get(kind=EventKind.CREATED)
    assert new.title == f"Suite de {ticket.reference} : Imprimante bloquée"
    assert new.contact == acme.marie and new.channel == "email"
    assert "Le bourrage est revenu." in new.description
    assert message.event.payload["follow_up_of"] == ticket.reference
    assert [a.original_name for a in new.attachments.all()] == ["erreur.log"]
    ticket.refresh_from_db()
    assert ticket.state == State.CLOSED
    assert not ticket.events.filter(kind=EventKind.EMAIL_IN).exists()
    note = ticket.events.latest("pk")
    assert note.kind == EventKind.NOTE and not note.public
    assert note.body == f"Réponse reçue après clôture : suite dans {new.reference}."
    # The sender learns the new reference by the creation mail of the follow-up.
    assert (
        f"[{new.reference}]" in _last_mail_to(mailoutbox, "marie.dupont@acme-industrie.fr").subject
    )


def test_a_second_reply_to_the_closure_mail_joins_the_same_follow_up(
    ticket, tech, mailoutbox, committed
):
    _close(ticket, tech, committed)
    closure_id = _last_mail_to(mailoutbox, "marie.dupont@acme-industrie.fr").extra_headers[
        "Message-ID"
    ]
    first, _ = inbound_receive(_mail("RE: clôture", "Revenu", in_reply_to=closure_id), "imap")
    second, _ = inbound_receive(_mail("RE: clôture", "Et encore", in_reply_to=closure_id), "imap")
    assert second.status == "processed" and second.ticket == first.ticket != ticket
    assert second.event.kind == EventKind.EMAIL_IN and second.event.ticket == first.ticket
    assert Ticket.objects.filter(follow_up_of=ticket).count() == 1


def test_a_reply_citing_a_closed_tickets_reference_opens_a_follow_up(ticket, tech, committed):
    _close(ticket, tech, committed)
    message, _ = inbound_receive(_mail(f"Re: [{ticket.reference}] merci", "Ça recommence"), "http")
    assert message.status == "processed"
    assert message.ticket.follow_up_of == ticket


def test_a_reply_while_pending_on_the_client_resumes_the_ticket(ticket, tech):
    services.ticket_set_pending(ticket=ticket, by=tech.user, reason="Quel modèle ?")
    message, _ = inbound_receive(_mail(f"Re: [{ticket.reference}]", "Une HP 4250"), "imap")
    assert message.status == "processed" and message.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS and ticket.pending_on == ""
    assert message.event.kind == EventKind.EMAIL_IN and message.event.public
    resumed = ticket.events.latest("pk")
    assert resumed.from_state == State.PENDING and "client a répondu" in resumed.body


def test_a_reply_while_pending_on_a_third_party_stays_pending(ticket, tech):
    services.ticket_set_pending(
        ticket=ticket, by=tech.user, reason="Pièce commandée", on=PendingOn.THIRD_PARTY
    )
    message, _ = inbound_receive(_mail(f"Re: [{ticket.reference}]", "Des nouvelles ?"), "imap")
    assert message.status == "processed"
    ticket.refresh_from_db()
    assert ticket.state == State.PENDING


def test_a_reply_within_ten_business_days_reopens_a_resolved_ticket(ticket, tech):
    with time_machine.travel(RESOLVED_AT, tick=False):
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Fait.")
    with time_machine.travel(REOPEN_DEADLINE, tick=False):
        message, _ = inbound_receive(_mail(f"Re: [{ticket.reference}]", "Toujours pas"), "imap")
    assert message.status == "processed" and message.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS
    assert ticket.events.filter(from_state=State.RESOLVED, to_state=State.IN_PROGRESS).exists()


def test_a_reply_after_ten_business_days_opens_a_follow_up(ticket, tech):
    with time_machine.travel(RESOLVED_AT, tick=False):
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Fait.")
    with time_machine.travel(REOPEN_DEADLINE.replace(hour=11), tick=False):
        message, _ = inbound_receive(_mail(f"Re: [{ticket.reference}]", "Toujours pas"), "imap")
    assert message.status == "processed" and message.ticket.follow_up_of == ticket
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED


def test_a_reply_to_a_cancelled_ticket_goes_to_triage(acme):
    ticket = make_ticket(client=acme, contact=acme.marie)
    services.ticket_cancel(ticket=ticket, by=None, reason="Doublon")
    message, _ = inbound_receive(_mail(f"Re: [{ticket.reference}]", "Et alors ?"), "imap")
    assert message.status == "triage" and Ticket.objects.count() == 1
    assert not ticket.events.filter(kind=EventKind.EMAIL_IN).exists()


def test_a_colleague_answering_a_client_thread_by_mail_does_not_move_the_ticket(ticket, tech):
    services.ticket_set_pending(ticket=ticket, by=tech.user, reason="Quel modèle ?")
    mail = _mail(f"Re: [{ticket.reference}]", "Je relance", sender="J. Martin <jmartin@oceanis.fr>")
    message, _ = inbound_receive(mail, "imap")
    assert message.status == "processed" and message.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.state == State.PENDING
