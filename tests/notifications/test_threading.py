"""Thread headers point at mails actually sent: the first mail a person gets about a ticket is the
thread root, each later one answers the previous one (``In-Reply-To``) and lists the root and the
latest ones (``References``, bounded); client and staff threads stay apart; every Message-ID we
send is known, so a reply threads back to its ticket."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import tasks
from notifications.emails import MAX_REFERENCES
from notifications.inbound.service import inbound_receive
from notifications.models import KnownMessageId
from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, make_ticket
from tickets import services
from tickets.models import EventKind
from tickets.sla_warnings import record_due_sla_warnings

PARIS = ZoneInfo("Europe/Paris")
MARIE = "marie.dupont@acme.test"

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def _headers(mail) -> tuple[str, str | None, list[str]]:
    headers = mail.extra_headers
    return headers["Message-ID"], headers.get("In-Reply-To"), headers.get("References", "").split()


def _to(mailoutbox, address):
    return [m for m in mailoutbox if m.to == [address]]


def test_each_mail_answers_the_previous_one_sent_to_that_person(
    contact, tech, mailoutbox, committed
):
    with time_machine.travel(paris(2026, 10, 20, 9), tick=False), committed():
        ticket = make_ticket(client=contact.client, contact=contact, title="Messagerie coupée")
    with time_machine.travel(paris(2026, 10, 20, 10), tick=False), committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        services.ticket_add_entry(ticket=ticket, by=tech.user, body="Boîte purgée", public=True)
    with time_machine.travel(paris(2026, 10, 20, 17, 0, 1), tick=False):
        tasks.send_daily_digests()
    with time_machine.travel(paris(2026, 10, 21, 9), tick=False), committed():
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Corrigé")
        services.ticket_close(ticket=ticket, by=tech.user, synthesis="Quota relevé")
    mails = _to(mailoutbox, MARIE)
    assert [m.subject.split("] ")[1].split(" :")[0] for m in mails] == [
        "Demande enregistrée",
        "Demande prise en charge",
        "Suivi du 20 octobre 2026",
        "Demande clôturée",
    ]
    ids = [_headers(m)[0] for m in mails]
    assert len(set(ids)) == 4
    root = ids[0]
    assert _headers(mails[0])[1:] == (None, [])  # the root answers nothing
    assert _headers(mails[1])[1:] == (root, [root])
    assert _headers(mails[2])[1:] == (ids[1], [root, ids[1]])
    assert _headers(mails[3])[1:] == (ids[2], [root, ids[1], ids[2]])


def test_a_person_is_never_pointed_at_a_mail_sent_to_someone_else(
    contact, tech, mailoutbox, committed
):
    with committed():
        ticket = make_ticket(client=contact.client, contact=contact)
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    addresses = {m.to[0] for m in mailoutbox}
    assert addresses == {MARIE, "dsi@acme.test", "direction@acme.test"}
    for address in addresses:
        mine = _to(mailoutbox, address)
        received = {_headers(m)[0] for m in mine}
        first, second = mine
        assert _headers(second)[1] == _headers(first)[0]
        for mail in mine:
            assert set(_headers(mail)[2]) <= received


def test_every_message_id_sent_is_known_and_a_reply_to_a_later_mail_finds_the_ticket(
    acme, tech, mailoutbox, committed
):
    with committed():
        ticket = make_ticket(client=acme, contact=acme.marie, title="Imprimante bloquée")
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    for mail in mailoutbox:
        known = KnownMessageId.objects.get(message_id=_headers(mail)[0])
        assert (known.ticket, known.direction, known.audience) == (ticket, "out", "client")
    second = _to(mailoutbox, acme.marie.email)[1]
    raw = (
        f"From: Marie Dupont <{acme.marie.email}>\r\n"
        "To: support@oceanis.fr\r\n"
        "Subject: Re: merci\r\n"  # no reference in the subject: only the headers can match
        "Message-ID: <reponse-1@acme-industrie.fr>\r\n"
        f"In-Reply-To: {_headers(second)[0]}\r\n"
        f"References: {' '.join(_headers(second)[2])} {_headers(second)[0]}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Le toner est arrivé, merci.\r\n"
    ).encode()
    message, _created = inbound_receive(raw, "http")
    assert (message.status, message.ticket) == ("processed", ticket)
    assert ticket.events.filter(kind=EventKind.EMAIL_IN, body__contains="toner").exists()


def test_references_keep_the_root_and_the_latest_mails_only(mailoutbox, tech):
    contract = ContractFactory()
    contact = ContactFactory(client=contract.client, email="lea@client.test")
    with time_machine.travel(paris(2026, 10, 1, 9), tick=False):
        ticket = make_ticket(client=contract.client, contact=contact)
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
    for day in range(1, 16):
        with time_machine.travel(paris(2026, 10, day, 10), tick=False):
            services.ticket_add_entry(ticket=ticket, by=tech.user, body=f"Jour {day}", public=True)
        with time_machine.travel(paris(2026, 10, day, 17, 0, 1), tick=False):
            tasks.send_daily_digests()
    ids = [_headers(m)[0] for m in mailoutbox]
    assert len(ids) == 15
    message_id, in_reply_to, references = _headers(mailoutbox[-1])
    assert in_reply_to == ids[-2]
    assert len(references) == MAX_REFERENCES == 10
    assert references == [ids[0], *ids[-10:-1]]
    assert len(mailoutbox[-1].extra_headers["References"]) < 1000


def test_client_and_staff_threads_stay_apart_for_one_address(
    contract_with_recipients, boss, mailoutbox, committed
):
    """A technician whose address is also declared by the client gets both kinds of mail."""
    tech = TechnicianFactory(user__email="dsi@acme.test")
    contact = ContactFactory(client=contract_with_recipients.client, email="client@acme.test")
    start = paris(2026, 10, 20, 10)
    with time_machine.travel(start, tick=False), committed():
        ticket = make_ticket(
            client=contact.client, contact=contact, urgency="critical", assignee=tech
        )
    for minutes in (46, 61):
        at = start + dt.timedelta(minutes=minutes)
        with time_machine.travel(at, tick=False), committed():
            record_due_sla_warnings(now=at)
    with time_machine.travel(start + dt.timedelta(minutes=70), tick=False), committed():
        services.ticket_take_in_charge(ticket=ticket, by=boss.user)
    mine = _to(mailoutbox, "dsi@acme.test")
    staff = [m for m in mine if "GTI" in m.subject]
    client = [m for m in mine if "GTI" not in m.subject]
    assert len(staff) == 2 and len(client) == 2
    assert _headers(staff[0])[1] is None
    assert _headers(staff[1])[1:] == (_headers(staff[0])[0], [_headers(staff[0])[0]])
    assert _headers(client[0])[1] is None
    assert _headers(client[1])[1:] == (_headers(client[0])[0], [_headers(client[0])[0]])
    audiences = {
        known.message_id: known.audience
        for known in KnownMessageId.objects.filter(ticket=ticket, direction="out")
    }
    assert {audiences[_headers(m)[0]] for m in staff} == {"staff"}
    assert {audiences[_headers(m)[0]] for m in client} == {"client"}
