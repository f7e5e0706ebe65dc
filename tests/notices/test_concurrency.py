"""Races that only a real database shows: run on PostgreSQL (CI), skipped on SQLite."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from notices import emailing
from notices.derivation import derive_event
from notices.models import DerivedEvent, Notice, NoticeKind
from notices.services import Draft, notice_preference_set, notices_create
from tests.factories import TechnicianFactory, make_manager, make_ticket
from tests.support import run_in_threads
from tickets import services
from tickets.models import EventKind

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (CI runs it)"
    ),
]


def test_two_senders_at_once_send_one_mail(mailoutbox):
    tech = TechnicianFactory(user__email="tech@oceanis.test")
    notice_preference_set(user=tech.user, delivery="immediate")
    notices_create(
        drafts=[
            Draft(
                recipient_id=tech.user.pk,
                kind=NoticeKind.ASSIGNED,
                source="race",
                params={"reference": "OC-2026-000001"},
            )
        ]
    )
    now = timezone.now() + dt.timedelta(seconds=1)
    results = run_in_threads(4, lambda i: emailing.deliver_to(tech.user.pk, now))
    assert sorted(str(value) for _kind, value in results) == ["None", "None", "None", "True"]
    assert len(mailoutbox) == 1
    assert Notice.objects.get().mail.status == "sent"


def test_an_event_derived_by_two_workers_at_once_notifies_once():
    manager = make_manager()
    owner = TechnicianFactory()
    ticket = make_ticket(by=manager.user)
    services.ticket_assign(ticket=ticket, technician=owner, by=manager.user)
    event = ticket.events.get(kind=EventKind.ASSIGNED)
    # Committed for real here: undo the derivation the commit already ran.
    Notice.objects.all().delete()
    DerivedEvent.objects.all().delete()
    results = run_in_threads(3, lambda i: derive_event(event.pk))
    assert all(kind == "ok" for kind, _value in results), results
    assert Notice.objects.filter(recipient=owner.user, event=event).count() == 1
