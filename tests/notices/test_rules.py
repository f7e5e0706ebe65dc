"""Rules common to every kind: nobody is told of their own action, an event processed twice
notifies once, and the sweeper catches a derivation a lost broker message missed."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from extranet import services as actions
from notices import derivation, sweeper, tasks
from notices.models import DerivedEvent, Notice, NoticeKind
from tests.factories import TechnicianFactory, make_manager, make_ticket
from tests.notices.conftest import kinds_of
from tickets import services
from tickets.models import EventKind, TicketEvent

pytestmark = pytest.mark.django_db


def test_nobody_is_notified_of_their_own_action(owner, manager, committed):
    # Both act on a colleague's ticket below, which staff.policy leaves to the manager and deputy.
    watcher = make_manager("watcher", deputy=True)
    owner.user.groups.add(*watcher.user.groups.all())
    with committed():
        ticket = make_ticket(by=manager.user)
        # The manager assigns to himself: no "assigned to me".
        services.ticket_assign(ticket=ticket, technician=manager, by=manager.user)
        services.ticket_watcher_add(ticket=ticket, by=manager.user, user=watcher.user)
        # The watcher changes the state himself: no "state changed" for him.
        services.ticket_take_in_charge(ticket=ticket, by=watcher.user)
        # A note mentioning its own author.
        services.ticket_add_entry(ticket=ticket, by=watcher.user, body="@watcher", public=False)
        # Escalated by the expert naming himself the resolver.
        services.ticket_escalate(ticket=ticket, by=owner.user, reason="moi", resolver=owner)
    assert kinds_of(manager.user) == []
    assert kinds_of(watcher.user) == []
    assert kinds_of(owner.user) == []


def test_an_event_processed_twice_notifies_once(ticket, owner, contact, committed):
    with committed():
        reply = actions.comment_add(contact=contact, ticket=ticket, body="Un détail de plus.")
    event_id = reply.event.pk
    before = Notice.objects.count()
    tasks.derive_event_notices(event_id)
    # Even if the derivation mark were lost, the unique key holds.
    DerivedEvent.objects.filter(pk=event_id).delete()
    tasks.derive_event_notices(event_id)
    assert Notice.objects.count() == before
    assert Notice.objects.filter(recipient=owner.user, event_id=event_id).count() == 1


def test_the_sweeper_derives_events_whose_message_was_lost(ticket, owner, contact):
    # No on-commit execution: as if the broker had lost the message.
    actions.comment_add(contact=contact, ticket=ticket, body="Personne ne m'a répondu.")
    assert NoticeKind.CLIENT_COMMENT not in kinds_of(owner.user)
    sweeper.sweep()
    assert NoticeKind.CLIENT_COMMENT in kinds_of(owner.user)
    assert not TicketEvent.objects.exclude(pk__in=DerivedEvent.objects.values("event_id")).exists()


def test_the_sweeper_looks_back_48_hours_and_no_further(owner, manager, settings):
    settings.NOTICES_SWEEP_LOOKBACK_HOURS = 48
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(hours=47), tick=False):
        recent = make_ticket(by=manager.user)
        services.ticket_assign(ticket=recent, technician=owner, by=manager.user)
    with time_machine.travel(now - dt.timedelta(hours=49), tick=False):
        old = make_ticket(by=manager.user)
        services.ticket_assign(ticket=old, technician=owner, by=manager.user)
    sweeper.sweep(now)
    tickets = set(Notice.objects.filter(recipient=owner.user).values_list("ticket", flat=True))
    assert tickets == {recent.pk}


def test_a_failing_derivation_never_fails_the_ticket_change(ticket, owner, committed, monkeypatch):
    def boom(event_id):
        raise RuntimeError("bug")

    monkeypatch.setattr(derivation, "derive_event", boom)
    with committed():
        services.ticket_take_in_charge(ticket=ticket, by=owner.user)
    ticket.refresh_from_db()
    assert ticket.state == "in_progress"
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.TRANSITION).exists()


def test_the_most_specific_kind_wins_for_one_person_and_event(ticket, owner, committed):
    watcher = TechnicianFactory(user__username="watcher")
    with committed():
        services.ticket_watcher_add(ticket=ticket, by=owner.user, user=watcher.user)
        event = services.ticket_add_entry(
            ticket=ticket, by=owner.user, body="@watcher à toi", public=False
        )
    assert list(
        Notice.objects.filter(recipient=watcher.user, event=event).values_list("kind", flat=True)
    ) == [NoticeKind.MENTION]


def test_the_sweeper_runs_every_minute_in_the_schedule(settings):
    from celery.schedules import crontab

    from oceanis.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["notices-sweep"]
    assert entry["schedule"] == crontab(minute="*")
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_deriving_a_client_comment_costs_six_statements(
    ticket, owner, contact, django_assert_num_queries
):
    # The event, its watchers, which of them are active staff, then the mark, the recipients'
    # mail preferences and the notices in one transaction: no get_or_create (a SELECT and a
    # savepoint) and no UPDATE of the mark's count.
    reply = actions.comment_add(contact=contact, ticket=ticket, body="Un détail de plus.")
    with django_assert_num_queries(8):  # + SAVEPOINT / RELEASE: the test's own transaction
        assert derivation.derive_event(reply.event.pk) == 1
    with django_assert_num_queries(7):  # a second run stops at the mark's primary key
        assert derivation.derive_event(reply.event.pk) == 0
    assert Notice.objects.filter(recipient=owner.user, event_id=reply.event.pk).count() == 1


def test_a_creation_nobody_is_told_of_costs_two_statements(django_assert_num_queries):
    ticket = make_ticket()
    event = ticket.events.get(kind=EventKind.CREATED)
    with django_assert_num_queries(4):  # the event, SAVEPOINT, the mark, RELEASE
        assert derivation.derive_event(event.pk) == 0
    assert DerivedEvent.objects.filter(pk=event.pk).exists()
