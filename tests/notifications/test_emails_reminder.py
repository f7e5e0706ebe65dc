"""The reminder before automatic closure: mailed at once to the client's people, with the closing
date and the way to reopen (reply, or the extranet link); then the automatic closure's mail."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import tasks
from notifications.models import Notification
from tests.factories import make_ticket
from tickets import services
from tickets.autoclose import sweep_resolved_tickets
from tickets.models import EventKind

PARIS = ZoneInfo("Europe/Paris")
RESOLVED_AT = dt.datetime(2026, 10, 20, 10, tzinfo=PARIS)  # a Tuesday
EVERYONE = ["direction@acme.test", "dsi@acme.test", "marie.dupont@acme.test"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _delays(settings):
    settings.OCEANIS_BASE_URL = "https://support.oceanis.example"
    settings.TICKETS_CLOSURE_REMINDER_BUSINESS_DAYS = 7
    settings.TICKETS_AUTO_CLOSE_BUSINESS_DAYS = 10


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def resolved(contact, tech):
    with time_machine.travel(RESOLVED_AT, tick=False):
        ticket = make_ticket(client=contact.client, contact=contact, title="Imprimante bloquée")
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Pilote réinstallé")
    return ticket


def _sweep(at, committed):
    with time_machine.travel(at, tick=False), committed():
        return sweep_resolved_tickets(now=at)


def test_the_reminder_is_mailed_at_once_with_the_closing_date_and_the_way_back(
    resolved, mailoutbox, committed
):
    assert _sweep(dt.datetime(2026, 10, 29, 9, tzinfo=PARIS), committed).reminded == 0
    assert mailoutbox == []
    # 7 business days after Tuesday 20 October 10:00: Thursday 29 October 10:00.
    assert _sweep(dt.datetime(2026, 10, 29, 10, tzinfo=PARIS), committed).reminded == 1
    assert sorted(m.to[0] for m in mailoutbox) == EVERYONE
    mail = next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"])
    assert mail.subject == (
        f"[{resolved.reference}] Demande résolue, bientôt clôturée : Imprimante bloquée"
    )
    # 10 business days after the resolution (Sunday 1 November, All Saints, changes nothing).
    sentence = (
        f"Votre demande {resolved.reference} est résolue : elle sera clôturée le "
        "3 novembre 2026 à 10:00 sans retour de votre part."
    )
    link = f"https://support.oceanis.example/extranet/demandes/{resolved.pk}/"
    html = mail.alternatives[0].content
    for content in (mail.body, html):
        assert sentence in content
        assert "répondez à ce message ou utilisez le lien ci-dessous pour la rouvrir" in content
        assert link in content
    row = Notification.objects.get(recipient="marie.dupont@acme.test", kind="closure_reminder")
    assert row.status == "sent"


def test_the_automatic_closure_is_mailed_like_any_closure(resolved, mailoutbox, committed):
    _sweep(dt.datetime(2026, 10, 29, 10, tzinfo=PARIS), committed)
    mailoutbox.clear()
    assert _sweep(dt.datetime(2026, 11, 3, 10, tzinfo=PARIS), committed).closed == 1
    assert sorted(m.to[0] for m in mailoutbox) == EVERYONE
    mail = next(m for m in mailoutbox if m.to == ["marie.dupont@acme.test"])
    assert mail.subject.endswith("Demande clôturée : Imprimante bloquée")
    assert "Pilote réinstallé" in mail.body  # the synthesis is the resolution note


def test_english_contacts_get_the_reminder_in_their_language(
    english_contact, tech, mailoutbox, committed
):
    with time_machine.travel(RESOLVED_AT, tick=False):
        ticket = make_ticket(client=english_contact.client, contact=english_contact)
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Driver reinstalled")
    _sweep(dt.datetime(2026, 10, 29, 10, tzinfo=PARIS), committed)
    row = Notification.objects.get(recipient="john.smith@acme.test")
    assert (row.kind, row.language, row.status) == ("closure_reminder", "en", "sent")
    mail = next(m for m in mailoutbox if m.to == ["john.smith@acme.test"])
    assert '<html lang="en">' in mail.alternatives[0].content
    assert "Nov. 3, 2026, 10 a.m." in mail.body  # the date in English


def test_a_reminder_whose_planning_was_lost_is_sent_by_the_sweeper(resolved, mailoutbox):
    at = dt.datetime(2026, 10, 29, 10, tzinfo=PARIS)
    with time_machine.travel(at, tick=False):
        sweep_resolved_tickets(now=at)  # committed, but its on-commit message never ran
    assert resolved.events.filter(kind=EventKind.CLOSURE_REMINDER).count() == 1
    assert mailoutbox == []
    with time_machine.travel(at + dt.timedelta(minutes=1), tick=False):
        tasks.sweep_outbox()
    assert sorted(m.to[0] for m in mailoutbox) == EVERYONE
    assert all("bientôt clôturée" in m.subject for m in mailoutbox)
