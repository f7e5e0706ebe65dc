"""Paging: what pages, the page -> re-page -> backup -> manager chain driven by the sweeper
with frozen time, the 1-hour commitment, and idempotency (one page per alarm, one send per step)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from clients.models import Contract
from oncall import tasks
from oncall.models import AckVia, Page, PageAttempt, PageLevel, PageReason, PageState, PageTrigger
from oncall.services import paging
from sla.policy import HoursPlan
from tests.factories import ClientFactory, ContractFactory, make_ticket
from tests.oncall.conftest import paris
from tickets import services
from tickets.models import Channel, State

pytestmark = pytest.mark.django_db

SATURDAY_3AM = paris(2026, 10, 3, 3, 0)  # alice's week; bruno is backup; boss escalates


def create_critical(instant, client, capture, **kwargs):
    """Create a ticket at a frozen instant, running the on-commit hooks as production would."""
    kwargs.setdefault("urgency", "critical")
    with time_machine.travel(instant, tick=False), capture(execute=True):
        return make_ticket(client=client, **kwargs)


def sweep_at(instant):
    with time_machine.travel(instant, tick=False):
        return paging.sweep()


def pages_sent():
    """Page e-mails only (other apps may mail about the same ticket)."""
    return [m for m in mail.outbox if "X-Oceanis-Page" in m.extra_headers]


def recipients():
    return [m.to[0].split("@")[0] for m in pages_sent()]


# --- what pages -------------------------------------------------------------------------------


def test_a_critical_ticket_of_a_24x7_client_at_night_pages_the_technician_on_call(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    page = Page.objects.get(ticket=ticket)
    assert (page.trigger, page.reason, page.state) == (
        PageTrigger.CREATED,
        PageReason.CONTRACT,
        PageState.OPEN,
    )
    assert page.target.user.username == "alice"
    assert page.backup.user.username == "bruno"
    assert page.escalation_contact.user.username == "boss"
    assert page.intervention_deadline == paris(2026, 10, 3, 4, 0)
    assert recipients() == ["alice"]
    message = pages_sent()[0]
    assert ticket.reference in message.subject and "CRITIQUE" in message.subject
    assert "https://desk.oceanis.test/oncall/ack/" in message.body
    assert page.next_step_at == SATURDAY_3AM + dt.timedelta(minutes=10)


def test_monitoring_alerts_page_like_any_critical_ticket(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(
        SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks, channel=Channel.MONITORING
    )
    assert Page.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize(
    "instant",
    [
        paris(2026, 10, 6, 10, 0),  # Tuesday 10:00: the desk is open
        paris(2026, 10, 6, 14, 30),
    ],
)
def test_office_hours_never_page(
    rotation, client_24x7, django_capture_on_commit_callbacks, instant
):
    create_critical(instant, client_24x7, django_capture_on_commit_callbacks)
    assert not Page.objects.exists()
    assert pages_sent() == []


@pytest.mark.parametrize(
    "instant",
    [
        paris(2026, 10, 6, 12, 45),  # lunch break: outside Oceanis standard hours
        paris(2026, 10, 6, 19, 0),
        paris(2026, 11, 11, 10, 0),  # Armistice: public holiday
    ],
)
def test_the_on_call_window_is_everything_outside_oceanis_hours_for_24x7_contracts(
    rotation, client_24x7, django_capture_on_commit_callbacks, instant
):
    create_critical(instant, client_24x7, django_capture_on_commit_callbacks)
    assert Page.objects.count() == 1


@pytest.mark.parametrize("plan", [HoursPlan.STANDARD, HoursPlan.EXTENDED])
def test_clients_without_an_on_call_contract_do_not_page(
    rotation, django_capture_on_commit_callbacks, plan
):
    client = ContractFactory(hours_plan=plan).client
    create_critical(SATURDAY_3AM, client, django_capture_on_commit_callbacks)
    assert not Page.objects.exists()


def test_a_very_blocking_ticket_does_not_page_until_raised_to_critical(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(
        SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks, urgency="very_blocking"
    )
    assert not Page.objects.exists()
    later = SATURDAY_3AM + dt.timedelta(minutes=30)
    with (
        time_machine.travel(later, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.ticket_change_urgency(ticket=ticket, by=None, urgency="critical")
    page = Page.objects.get(ticket=ticket)
    assert page.trigger == PageTrigger.URGENCY
    assert page.raised_at == later
    assert recipients() == ["alice"]


def test_oceanis_datacenter_alarms_page_out_of_hours_whatever_the_contract(
    rotation, django_capture_on_commit_callbacks
):
    internal = ClientFactory(code="oceanis", name="Oceanis (interne)")
    ticket = create_critical(SATURDAY_3AM, internal, django_capture_on_commit_callbacks)
    assert Page.objects.get(ticket=ticket).reason == PageReason.INTERNAL
    create_critical(paris(2026, 10, 6, 10, 0), internal, django_capture_on_commit_callbacks)
    assert Page.objects.count() == 1


def test_the_internal_client_code_is_a_setting(
    rotation, settings, django_capture_on_commit_callbacks
):
    settings.OCEANIS_INTERNAL_CLIENT_CODE = "dc-oceanis"
    create_critical(SATURDAY_3AM, ClientFactory(code="oceanis"), django_capture_on_commit_callbacks)
    assert not Page.objects.exists()
    create_critical(
        SATURDAY_3AM, ClientFactory(code="dc-oceanis"), django_capture_on_commit_callbacks
    )
    assert Page.objects.count() == 1


def test_without_anyone_on_call_the_page_is_recorded_unanswered(
    client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    page = Page.objects.get(ticket=ticket)
    assert page.state == PageState.UNANSWERED
    assert set(page.attempts.values_list("status", flat=True)) == {"skipped"}
    assert pages_sent() == []


# --- the chain --------------------------------------------------------------------------------


def test_without_ack_it_repages_then_escalates_to_the_backup_then_the_manager(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    minutes = lambda n: SATURDAY_3AM + dt.timedelta(minutes=n)  # noqa: E731
    page = Page.objects.get(ticket=ticket)

    assert sweep_at(minutes(9))["sent"] == 0
    assert recipients() == ["alice"]

    assert sweep_at(minutes(10))["sent"] == 1
    assert recipients() == ["alice", "alice"]
    assert "relance" in pages_sent()[-1].subject
    page.refresh_from_db()
    assert (page.state, page.level) == (PageState.OPEN, PageLevel.PRIMARY)

    sweep_at(minutes(20))
    assert recipients()[-1] == "bruno"
    assert "suppléant" in pages_sent()[-1].subject
    page.refresh_from_db()
    assert (page.state, page.level) == (PageState.ESCALATED, PageLevel.BACKUP)

    sweep_at(minutes(30))
    assert recipients()[-1] == "boss"
    page.refresh_from_db()
    assert (page.state, page.level) == (PageState.ESCALATED, PageLevel.MANAGER)

    sweep_at(minutes(40))
    page.refresh_from_db()
    assert page.state == PageState.UNANSWERED
    assert page.next_step_at is None
    assert recipients() == ["alice", "alice", "bruno", "boss"]

    sweep_at(minutes(59))
    page.refresh_from_db()
    assert page.intervention_met is None
    sweep_at(minutes(61))
    page.refresh_from_db()
    assert page.intervention_met is False

    log = list(page.attempts.values_list("step", "level", "channel", "status"))
    assert log == [
        (0, PageLevel.PRIMARY, "email", "sent"),
        (1, PageLevel.PRIMARY, "email", "sent"),
        (2, PageLevel.BACKUP, "email", "sent"),
        (3, PageLevel.MANAGER, "email", "sent"),
    ]
    assert sweep_at(minutes(120))["sent"] == 0


def test_a_late_sweep_sends_the_due_step_once_and_not_the_whole_backlog(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    """A worker down for 25 minutes: the next step goes out, the rest keeps its cadence."""
    create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    assert sweep_at(SATURDAY_3AM + dt.timedelta(minutes=25))["sent"] == 1
    assert recipients() == ["alice", "alice"]
    assert sweep_at(SATURDAY_3AM + dt.timedelta(minutes=26))["sent"] == 0


def test_a_missing_backup_is_logged_and_skipped_straight_to_the_manager(
    db, boss, client_24x7, django_capture_on_commit_callbacks
):
    from tests.oncall.conftest import make_rotation

    make_rotation(names=("solo",), boss=boss)
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    sweep_at(SATURDAY_3AM + dt.timedelta(minutes=10))
    sweep_at(SATURDAY_3AM + dt.timedelta(minutes=20))
    assert recipients() == ["solo", "solo", "boss"]
    skipped = PageAttempt.objects.get(page__ticket=ticket, status="skipped")
    assert skipped.level == PageLevel.BACKUP


def test_the_repage_count_is_configurable(
    rotation, client_24x7, settings, django_capture_on_commit_callbacks
):
    settings.ONCALL_REPAGES = 0
    settings.ONCALL_ACK_MINUTES = 5
    create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    sweep_at(SATURDAY_3AM + dt.timedelta(minutes=5))
    assert recipients() == ["alice", "bruno"]


def test_a_handover_during_the_incident_keeps_chasing_the_same_people(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    thursday = paris(2026, 10, 8, 8, 25)  # alice hands over to bruno at 08:30
    create_critical(thursday, client_24x7, django_capture_on_commit_callbacks)
    sweep_at(thursday + dt.timedelta(minutes=10))
    assert recipients() == ["alice", "alice"]


# --- acknowledgement and the 1-hour commitment ------------------------------------------------


def test_acknowledging_takes_the_ticket_in_charge_and_stops_the_chain(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    page = Page.objects.get(ticket=ticket)
    bruno = page.backup
    sweep_at(SATURDAY_3AM + dt.timedelta(minutes=20))  # escalated to bruno
    with time_machine.travel(SATURDAY_3AM + dt.timedelta(minutes=25), tick=False):
        result = paging.page_acknowledge(page=page, by=bruno.user, via=AckVia.LINK)
    assert result.acknowledged_now
    page.refresh_from_db()
    ticket.refresh_from_db()
    assert page.state == PageState.ACKNOWLEDGED
    assert page.acknowledged_by == bruno.user
    assert ticket.state == State.IN_PROGRESS
    assert ticket.assignee == bruno
    assert ticket.taken_in_charge_at == SATURDAY_3AM + dt.timedelta(minutes=25)
    assert page.intervention_met is True
    sent = len(pages_sent())
    assert sweep_at(SATURDAY_3AM + dt.timedelta(minutes=90))["sent"] == 0
    assert len(pages_sent()) == sent


def test_an_acknowledgement_after_the_hour_is_reported_missed(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    page = Page.objects.get(ticket=ticket)
    with time_machine.travel(SATURDAY_3AM + dt.timedelta(minutes=75), tick=False):
        paging.page_acknowledge(page=page, by=page.target.user, via=AckVia.BUTTON)
    page.refresh_from_db()
    assert page.intervention_met is False
    assert page.intervention_at == SATURDAY_3AM + dt.timedelta(minutes=75)


def test_acknowledging_twice_changes_nothing(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    page = Page.objects.get(ticket=ticket)
    alice, bruno = page.target, page.backup
    paging.page_acknowledge(page=page, by=alice.user, via=AckVia.LINK)
    again = paging.page_acknowledge(page=page, by=bruno.user, via=AckVia.API)
    assert not again.acknowledged_now
    assert again.page.acknowledged_by == alice.user
    ticket.refresh_from_db()
    assert ticket.assignee == alice


def test_a_ticket_taken_in_charge_from_the_back_office_settles_the_page(
    rotation, client_24x7, technician, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    at = SATURDAY_3AM + dt.timedelta(minutes=5)
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    page = Page.objects.get(ticket=ticket)
    assert (page.state, page.ack_via) == (PageState.ACKNOWLEDGED, AckVia.TICKET)
    assert page.acknowledged_by == technician.user
    assert page.intervention_met is True
    assert sweep_at(SATURDAY_3AM + dt.timedelta(minutes=30))["sent"] == 0


def test_a_ticket_cancelled_before_anyone_acknowledged_cancels_the_page(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    # e.g. the monitoring sent "resolved" and the alert intake cancelled the ticket
    services.ticket_cancel(ticket=ticket, by=None, reason="Alarme retombée")
    assert sweep_at(SATURDAY_3AM + dt.timedelta(minutes=10))["settled"] == 1
    page = Page.objects.get(ticket=ticket)
    assert page.state == PageState.CANCELLED
    assert recipients() == ["alice"]
    with pytest.raises(paging.PageAckError):
        paging.page_acknowledge(page=page, by=page.target.user, via=AckVia.BUTTON)


FRIDAY_17_45 = paris(2026, 10, 2, 17, 45)  # alice's week has started (Thursday 08:30)
FRIDAY_18_01 = paris(2026, 10, 2, 18, 1)


def test_a_critical_ticket_still_waiting_when_the_desk_closes_pages_then(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(FRIDAY_17_45, client_24x7, django_capture_on_commit_callbacks)
    assert not Page.objects.exists()  # the desk is open: the GTI clock runs, nobody is paged
    assert sweep_at(paris(2026, 10, 2, 17, 59))["raised"] == 0
    stats = sweep_at(FRIDAY_18_01)
    assert stats["raised"] == 1 and stats["sent"] == 1
    page = Page.objects.get(ticket=ticket)
    assert (page.trigger, page.reason) == (PageTrigger.DESK_CLOSED, PageReason.CONTRACT)
    assert page.raised_at == FRIDAY_18_01
    assert page.intervention_deadline == FRIDAY_18_01 + dt.timedelta(hours=1)
    assert page.event == ticket.events.get(kind="created")
    assert recipients() == ["alice"]
    assert sweep_at(paris(2026, 10, 2, 18, 2))["raised"] == 0  # once


@pytest.mark.parametrize(
    "setup",
    ["taken", "not_critical", "standard_contract", "closed"],
)
def test_the_desk_closing_pages_only_untaken_critical_24x7_tickets(
    rotation, client_24x7, technician, django_capture_on_commit_callbacks, setup
):
    client = ContractFactory().client if setup == "standard_contract" else client_24x7
    urgency = "very_blocking" if setup == "not_critical" else "critical"
    ticket = create_critical(
        FRIDAY_17_45, client, django_capture_on_commit_callbacks, urgency=urgency
    )
    if setup == "taken":
        services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    if setup == "closed":
        services.ticket_cancel(ticket=ticket, by=None, reason="Doublon")
    assert sweep_at(FRIDAY_18_01)["raised"] == 0
    assert not Page.objects.exists()


def test_lowering_the_urgency_cancels_the_page_and_stops_the_chain(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    at = SATURDAY_3AM + dt.timedelta(minutes=4)
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.ticket_change_urgency(ticket=ticket, by=None, urgency="very_blocking")
    assert Page.objects.get(ticket=ticket).state == PageState.CANCELLED
    assert sweep_at(SATURDAY_3AM + dt.timedelta(minutes=30))["sent"] == 0
    assert recipients() == ["alice"]  # neither the re-page nor bruno nor the manager


def test_a_lowered_urgency_whose_message_was_lost_is_settled_by_the_sweeper(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    services.ticket_change_urgency(ticket=ticket, by=None, urgency="slightly_blocking")
    stats = sweep_at(SATURDAY_3AM + dt.timedelta(minutes=10))
    assert (stats["settled"], stats["sent"]) == (1, 0)
    assert Page.objects.get(ticket=ticket).state == PageState.CANCELLED


def test_raised_to_critical_again_the_same_page_starts_over(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    lowered, raised = (SATURDAY_3AM + dt.timedelta(minutes=m) for m in (4, 40))
    for instant, urgency in ((lowered, "very_blocking"), (raised, "critical")):
        with (
            time_machine.travel(instant, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            services.ticket_change_urgency(ticket=ticket, by=None, urgency=urgency)
    page = Page.objects.get(ticket=ticket)
    assert (page.state, page.trigger, page.step) == (PageState.OPEN, PageTrigger.URGENCY, 1)
    assert page.raised_at == raised
    assert page.intervention_deadline == raised + dt.timedelta(hours=1)
    assert recipients() == ["alice", "alice"]
    assert sweep_at(raised + dt.timedelta(minutes=10))["sent"] == 1  # the chain runs again


# --- idempotency ------------------------------------------------------------------------------


def test_the_same_alarm_never_pages_twice(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    created = ticket.events.get(kind="created")
    with time_machine.travel(SATURDAY_3AM + dt.timedelta(minutes=1), tick=False):
        tasks.handle_ticket_event(created.pk)  # a redelivered message
        tasks.handle_ticket_event(created.pk)
        paging.sweep()
    services.ticket_change_urgency(ticket=ticket, by=None, urgency="very_blocking")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_change_urgency(ticket=ticket, by=None, urgency="critical")
    assert Page.objects.filter(ticket=ticket).count() == 1
    assert recipients() == ["alice"]


def test_a_lost_broker_message_is_caught_up_by_the_sweeper(rotation, client_24x7):
    with time_machine.travel(SATURDAY_3AM, tick=False):
        ticket = make_ticket(client=client_24x7, urgency="critical")  # on-commit hooks never run
    assert not Page.objects.exists()
    stats = sweep_at(SATURDAY_3AM + dt.timedelta(minutes=1))
    assert stats["raised"] == 1
    page = Page.objects.get(ticket=ticket)
    assert page.raised_at == SATURDAY_3AM
    assert recipients() == ["alice"]


def test_two_sweepers_racing_on_the_same_step_send_it_once(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    due = SATURDAY_3AM + dt.timedelta(minutes=10)
    # Both read the page before either claims the step (the interleaving of a real race).
    first, second = Page.objects.get(ticket=ticket), Page.objects.get(ticket=ticket)
    with time_machine.travel(due, tick=False):
        assert paging.advance(first, now=due) == 1
        assert paging.advance(second, now=due) == 0
    assert recipients() == ["alice", "alice"]
    assert PageAttempt.objects.filter(step=1).count() == 1


def test_a_contract_ending_does_not_rewrite_the_frozen_plan(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    ticket = create_critical(SATURDAY_3AM, client_24x7, django_capture_on_commit_callbacks)
    Contract.objects.filter(client=client_24x7).update(hours_plan=HoursPlan.STANDARD)
    ticket.refresh_from_db()
    assert ticket.contract_hours_plan == HoursPlan.ON_CALL
    assert Page.objects.filter(ticket=ticket).exists()
