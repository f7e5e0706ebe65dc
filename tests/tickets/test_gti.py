"""GTI on tickets: deadline at creation, TI measured at taking in charge, live status, warnings."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sla.policy import HoursPlan
from tests.factories import ContractFactory, make_ticket
from tickets import services
from tickets.models import EventKind, PendingOn, Ticket
from tickets.selectors import open_tickets, ticket_gti_status, with_gti_status
from tickets.sla_warnings import record_due_sla_warnings

PARIS = ZoneInfo("Europe/Paris")


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def create_at(instant, **kwargs):
    with time_machine.travel(instant, tick=False):
        return make_ticket(**kwargs)


@pytest.mark.django_db
def test_very_blocking_on_friday_1730_is_due_monday_noon():
    client = ContractFactory(hours_plan=HoursPlan.STANDARD).client
    ticket = create_at(paris(2026, 11, 27, 17, 30), client=client, urgency="very_blocking")
    assert ticket.gti_deadline == paris(2026, 11, 30, 12, 0)
    assert ticket.gti_basis == "standard"
    assert ticket.gti_risk_at == paris(2026, 11, 30, 11, 0)  # 3 h of 4 h consumed


@pytest.mark.django_db
def test_critical_on_a_24x7_contract_runs_through_the_night():
    client = ContractFactory(hours_plan=HoursPlan.ON_CALL).client
    ticket = create_at(paris(2026, 11, 28, 3, 0), client=client, urgency="critical")
    assert ticket.gti_deadline == paris(2026, 11, 28, 4, 0)


@pytest.mark.django_db
def test_slightly_blocking_on_a_24x7_contract_still_counts_oceanis_hours():
    client = ContractFactory(hours_plan=HoursPlan.ON_CALL).client
    ticket = create_at(paris(2026, 11, 28, 3, 0), client=client, urgency="slightly_blocking")
    assert ticket.gti_deadline == paris(2026, 11, 30, 18, 0)


@pytest.mark.django_db
def test_extended_hours_critical_at_lunch_time():
    client = ContractFactory(hours_plan=HoursPlan.EXTENDED).client
    ticket = create_at(paris(2026, 11, 24, 12, 45), client=client, urgency="critical")
    assert ticket.gti_deadline == paris(2026, 11, 24, 13, 45)


@pytest.mark.django_db
def test_taking_in_charge_measures_the_ti_in_business_time(technician):
    ticket = create_at(paris(2026, 11, 27, 17, 30), urgency="very_blocking")
    with time_machine.travel(paris(2026, 11, 30, 9, 0), tick=False):
        services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    assert ticket.ti_measured == dt.timedelta(hours=1)  # 30 min Friday + 30 min Monday
    assert ticket.gti_met is True
    assert ticket_gti_status(ticket).level == "met"


@pytest.mark.django_db
def test_a_late_taking_in_charge_is_recorded_as_missed(technician):
    ticket = create_at(paris(2026, 11, 24, 9, 0), urgency="critical")
    with time_machine.travel(paris(2026, 11, 24, 10, 30), tick=False):
        services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    assert ticket.ti_measured == dt.timedelta(minutes=90)
    assert ticket.gti_met is False


@pytest.mark.django_db
def test_changing_urgency_before_taking_in_charge_recomputes_from_creation(technician):
    ticket = create_at(paris(2026, 11, 24, 9, 0), urgency="non_blocking")
    assert ticket.gti_deadline == paris(2026, 11, 26, 9, 0)
    with time_machine.travel(paris(2026, 11, 24, 9, 30), tick=False):
        services.ticket_change_urgency(ticket=ticket, by=technician.user, urgency="critical")
    assert ticket.gti_deadline == paris(2026, 11, 24, 10, 0)
    event = ticket.events.get(kind=EventKind.URGENCY)
    assert event.payload["from"] == "non_blocking"
    previous = dt.datetime.fromisoformat(event.payload["previous_deadline"])
    assert previous == paris(2026, 11, 26, 9, 0)


@pytest.mark.django_db
def test_changing_urgency_after_taking_in_charge_keeps_the_measured_gti(technician):
    ticket = create_at(paris(2026, 11, 24, 9, 0), urgency="non_blocking")
    with time_machine.travel(paris(2026, 11, 24, 9, 10), tick=False):
        services.ticket_take_in_charge(ticket=ticket, by=technician.user)
        services.ticket_change_urgency(ticket=ticket, by=technician.user, urgency="critical")
    assert ticket.urgency == "critical"
    assert ticket.gti_deadline == paris(2026, 11, 26, 9, 0)
    assert ticket.gti_met is True


@pytest.mark.django_db
def test_treatment_time_excludes_waiting_on_the_client_in_business_time(technician):
    user = technician.user
    ticket = create_at(paris(2026, 11, 23, 9, 0), urgency="slightly_blocking")
    steps = [
        (
            paris(2026, 11, 23, 10, 0),
            lambda: services.ticket_take_in_charge(ticket=ticket, by=user),
        ),
        (
            paris(2026, 11, 23, 11, 0),
            lambda: services.ticket_set_pending(
                ticket=ticket, by=user, reason="Attente client", on=PendingOn.CLIENT
            ),
        ),
        (paris(2026, 11, 24, 9, 0), lambda: services.ticket_resume(ticket=ticket, by=user)),
        (
            paris(2026, 11, 24, 10, 0),
            lambda: services.ticket_resolve(ticket=ticket, by=user, note="Corrigé."),
        ),
        (
            paris(2026, 11, 24, 11, 0),
            lambda: services.ticket_close(ticket=ticket, by=user, synthesis="OK"),
        ),
    ]
    for instant, action in steps:
        with time_machine.travel(instant, tick=False):
            action()
    # 10:00 Mon → 11:00 Tue: wall 25 h; business 2.5+4 (Mon) + 2.5 (Tue) = 9 h;
    # waiting on the client 11:00 Mon → 09:00 Tue = 1.5+4 + 0.5 = 6 h business.
    assert ticket.treatment_wall == dt.timedelta(hours=25)
    assert ticket.treatment_business == dt.timedelta(hours=9)
    assert ticket.treatment_business_excl_client_wait == dt.timedelta(hours=3)


@pytest.mark.django_db
def test_live_status_reports_remaining_open_time_and_risk():
    ticket = create_at(paris(2026, 11, 27, 17, 30), urgency="very_blocking")
    status = ticket_gti_status(ticket, now=paris(2026, 11, 28, 10, 0))  # Saturday: clock stopped
    assert status.remaining == dt.timedelta(hours=3, minutes=30)
    assert status.percent == 12
    assert (status.at_risk, status.breached, status.level) == (False, False, "ok")
    status = ticket_gti_status(ticket, now=paris(2026, 11, 30, 11, 15))
    assert status.remaining == dt.timedelta(minutes=45)
    assert (status.at_risk, status.breached, status.level) == (True, False, "risk")
    status = ticket_gti_status(ticket, now=paris(2026, 11, 30, 14, 30))
    assert status.remaining == dt.timedelta(0)
    assert status.overdue == dt.timedelta(hours=1)  # 12:00–12:30 and 14:00–14:30
    assert (status.breached, status.level) == (True, "breached")


@pytest.mark.django_db
def test_decorating_a_list_with_gti_status_makes_no_queries(django_assert_num_queries):
    for _ in range(5):
        make_ticket()
    with django_assert_num_queries(1):
        rows = with_gti_status(open_tickets())
    assert len(rows) == 5 and all(row.gti.deadline for row in rows)


@pytest.mark.django_db
def test_breach_warnings_are_recorded_once_per_threshold(technician):
    ticket = create_at(paris(2026, 11, 24, 9, 0), urgency="critical")  # due 10:00, risk 09:45
    assert record_due_sla_warnings(now=paris(2026, 11, 24, 9, 40)) == 0
    assert record_due_sla_warnings(now=paris(2026, 11, 24, 9, 46)) == 1
    assert record_due_sla_warnings(now=paris(2026, 11, 24, 9, 50)) == 0
    assert record_due_sla_warnings(now=paris(2026, 11, 24, 10, 1)) == 1
    assert record_due_sla_warnings(now=paris(2026, 11, 24, 10, 5)) == 0
    warnings = ticket.events.filter(kind=EventKind.SLA_WARNING).order_by("pk")
    assert [w.payload["threshold"] for w in warnings] == [75, 100]
    assert Ticket.objects.get(pk=ticket.pk).sla_warning_level == 100


@pytest.mark.django_db
def test_a_run_that_missed_both_thresholds_records_both(technician):
    ticket = create_at(paris(2026, 11, 24, 9, 0), urgency="critical")
    assert record_due_sla_warnings(now=paris(2026, 11, 24, 11, 0)) == 2
    assert ticket.events.filter(kind=EventKind.SLA_WARNING).count() == 2


@pytest.mark.django_db
def test_no_warning_once_taken_in_charge(technician):
    ticket = create_at(paris(2026, 11, 24, 9, 0), urgency="critical")
    with time_machine.travel(paris(2026, 11, 24, 9, 5), tick=False):
        services.ticket_take_in_charge(ticket=ticket, by=technician.user)
    assert record_due_sla_warnings(now=paris(2026, 11, 24, 12, 0)) == 0


@pytest.mark.django_db
def test_the_beat_task_runs_the_warning_sweep():
    from tickets.tasks import record_breach_warnings

    create_at(paris(2026, 11, 24, 9, 0), urgency="critical")
    with time_machine.travel(paris(2026, 11, 24, 10, 30), tick=False):
        assert record_breach_warnings.delay().get() == 2
