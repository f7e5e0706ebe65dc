"""The demo data (`make seed`) obeys the product's own rules: what a visitor sees first must not
contradict what the README promises."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from clients.models import Contact
from notices.models import DerivedEvent
from oncall.models import Page, PageAttempt, PageLevel, PageState
from projects.capacity import capacity, week_start
from projects.models import Absence, Booking, Milestone
from tickets.models import EventKind, State, Ticket, TicketEvent

PROJECT_TICKET = "Coupure du tunnel VPN entre les deux sites"
SEEDS = ("seed_oncall_demo", "seed_projects_demo", "seed_extranet_demo")


def _seed():
    """The four seeds in the Makefile's order, with a small ticket history."""
    call_command("seed_demo", tickets=40)
    for name in SEEDS:
        call_command(name)


@pytest.fixture
def seeded(db):
    _seed()


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]


def test_the_demo_data_obeys_the_rules_and_seeding_again_adds_nothing():
    check_contact_names()
    check_bookings_fit()
    check_no_booking_on_absence()
    check_milestones()
    check_resolution_reports()
    check_history_read()
    counts = (Ticket.objects.count(), Page.objects.count(), Booking.objects.count())
    _seed()
    assert (Ticket.objects.count(), Page.objects.count(), Booking.objects.count()) == counts


def check_contact_names():
    names = Counter(Contact.objects.values_list("first_name", "last_name"))
    assert [name for name, count in names.items() if count > 1] == []


def check_bookings_fit():
    bookings = Booking.objects.values_list("engineer_id", "date")
    weeks = sorted({week_start(day) for _engineer, day in bookings})
    engineers = {engineer for engineer, _day in bookings}
    assert weeks and engineers
    for (engineer, monday), week in capacity(engineers, weeks).items():
        assert week.booked <= week.available, (engineer, monday, week.explain())


def check_no_booking_on_absence():
    for absence in Absence.objects.all():
        clash = Booking.objects.filter(
            engineer=absence.technician, date__gte=absence.start, date__lte=absence.end
        )
        assert not clash.exists(), absence


def check_milestones():
    reached = Milestone.objects.exclude(completed_at=None)
    assert reached.exists()
    today = timezone.localdate()
    for milestone in reached:
        day = timezone.localdate(milestone.completed_at)
        assert day <= milestone.due_date <= today, (milestone, day)


def check_resolution_reports():
    resolutions = TicketEvent.objects.filter(kind=EventKind.TRANSITION, to_state=State.RESOLVED)
    assert resolutions.exists()
    assert not resolutions.filter(body="").exists()


def check_history_read():
    # The projects seed's ticket is today's work, told to its readers like any other.
    history = TicketEvent.objects.exclude(ticket__title=PROJECT_TICKET)
    assert history.count() > 200
    assert not history.filter(notification_dispatch__isnull=True).exists()
    read = DerivedEvent.objects.values("event_id")
    assert not history.exclude(pk__in=read).exists()


def test_the_on_call_demo_shows_pages_answered_in_time_one_after_a_repage_one_by_the_backup():
    pages = list(Page.objects.select_related("target", "backup"))
    assert len(pages) == 3
    for page in pages:
        assert page.target is not None and page.backup is not None
        assert page.state == PageState.ACKNOWLEDGED and page.intervention_met is True
        assert page.acknowledged_at - page.raised_at < dt.timedelta(hours=1)
        ticket = page.ticket
        assert ticket.taken_in_charge_at == page.intervention_at
        assert ticket.state == State.CLOSED
        attempts = PageAttempt.objects.filter(page=page)
        # Each message was sent at its step's instant, all before the acknowledgement.
        assert all(page.raised_at <= a.at < page.acknowledged_at for a in attempts)
    primaries = [PageAttempt.objects.filter(page=p, level=PageLevel.PRIMARY).count() for p in pages]
    assert max(primaries) == 2  # the on-call technician paged again
    assert any(p.acknowledged_by == p.backup.user for p in pages)
    assert any(p.acknowledged_by == p.target.user for p in pages)
