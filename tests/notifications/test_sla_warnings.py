"""GTI warnings (75 % and 100 %) mailed to the assignee and the managers, in business hours
unless the contract is 24x7."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import tasks
from notifications.models import Notification
from sla.policy import HoursPlan, Urgency
from tests.factories import ContactFactory, ContractFactory, make_manager, make_ticket
from tickets import services
from tickets.sla_warnings import record_due_sla_warnings

PARIS = ZoneInfo("Europe/Paris")
TUESDAY_10H = dt.datetime(2026, 10, 20, 10, 0, tzinfo=PARIS)

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def deputy(db):
    return make_manager("adjoint", deputy=True)


def _critical_ticket(contract, tech, at):
    contact = ContactFactory(client=contract.client, email="client@acme.test")
    with time_machine.travel(at, tick=False):
        return make_ticket(
            client=contract.client,
            contact=contact,
            urgency=Urgency.CRITICAL,
            assignee=tech,
            title="Serveur de fichiers arrêté",
        )


def _warn(at, committed):
    with time_machine.travel(at, tick=False), committed():
        record_due_sla_warnings(now=at)


def _staff_mails(mailoutbox):
    return [m for m in mailoutbox if "GTI" in m.subject]


def test_the_assignee_and_the_managers_are_warned_at_75_percent(
    contract, tech, boss, deputy, mailoutbox, committed
):
    ticket = _critical_ticket(contract, tech, TUESDAY_10H)
    mailoutbox.clear()
    _warn(TUESDAY_10H + dt.timedelta(minutes=46), committed)
    mails = _staff_mails(mailoutbox)
    assert sorted(m.to[0] for m in mails) == [
        "adjoint@example.test",
        "chef@example.test",
        "jmartin@example.test",
    ]
    assert mails[0].subject.startswith(f"[{ticket.reference}] Alerte GTI 75 % : ")
    assert "75 % de la GTI est consommée" in mails[0].body
    assert "client@acme.test" not in [m.to[0] for m in mails]
    assert Notification.objects.filter(kind="sla_warning", audience="staff").count() == 3


def test_a_breach_is_mailed_as_such(contract, tech, boss, mailoutbox, committed):
    ticket = _critical_ticket(contract, tech, TUESDAY_10H)
    _warn(TUESDAY_10H + dt.timedelta(minutes=46), committed)
    mailoutbox.clear()
    _warn(TUESDAY_10H + dt.timedelta(minutes=61), committed)
    mail = next(m for m in mailoutbox if m.to == ["chef@example.test"])
    assert mail.subject.startswith(f"[{ticket.reference}] GTI dépassée : ")
    assert "GTI dépassée : la demande n'a pas été prise en charge" in mail.body


def test_both_thresholds_crossed_at_once_make_one_mail(
    contract, tech, settings, mailoutbox, committed
):
    settings.NOTIFICATIONS_GROUPING_SECONDS = 60
    _critical_ticket(contract, tech, TUESDAY_10H)
    late = TUESDAY_10H + dt.timedelta(minutes=70)  # the beat was down for a while
    _warn(late, committed)
    with time_machine.travel(late + dt.timedelta(seconds=60), tick=False):
        tasks.sweep_outbox()
    mails = [m for m in mailoutbox if m.to == ["jmartin@example.test"]]
    assert len(mails) == 1
    assert "GTI dépassée" in mails[0].subject and "75 %" in mails[0].body


def test_out_of_hours_warnings_wait_for_the_next_opening(contract, tech, mailoutbox, committed):
    # 75 % at 17:45 and 100 % at 18:00, recorded late by the beat, out of business hours
    _critical_ticket(contract, tech, dt.datetime(2026, 10, 20, 17, 0, tzinfo=PARIS))
    evening = dt.datetime(2026, 10, 20, 19, 0, tzinfo=PARIS)
    _warn(evening, committed)
    for at in (evening, dt.datetime(2026, 10, 21, 8, 29, tzinfo=PARIS)):
        with time_machine.travel(at, tick=False):
            tasks.sweep_outbox()
    assert _staff_mails(mailoutbox) == []
    rows = Notification.objects.filter(kind="sla_warning", recipient="jmartin@example.test")
    assert [row.next_attempt_at for row in rows] == [
        dt.datetime(2026, 10, 21, 8, 30, tzinfo=PARIS)
    ] * 2
    with time_machine.travel(dt.datetime(2026, 10, 21, 8, 30, tzinfo=PARIS), tick=False):
        tasks.sweep_outbox()
    assert [m.to for m in _staff_mails(mailoutbox)] == [["jmartin@example.test"]]


def test_24x7_contracts_are_warned_at_night(tech, mailoutbox, committed):
    contract = ContractFactory(hours_plan=HoursPlan.ON_CALL)
    saturday_3h = dt.datetime(2026, 10, 24, 3, 0, tzinfo=PARIS)
    _critical_ticket(contract, tech, saturday_3h)
    _warn(saturday_3h + dt.timedelta(minutes=46), committed)
    assert [m.to for m in _staff_mails(mailoutbox)] == [["jmartin@example.test"]]


def test_a_deferred_warning_is_dropped_once_the_ticket_is_taken_in_charge(
    contract, tech, mailoutbox, committed
):
    ticket = _critical_ticket(contract, tech, dt.datetime(2026, 10, 20, 17, 0, tzinfo=PARIS))
    _warn(dt.datetime(2026, 10, 20, 19, 0, tzinfo=PARIS), committed)
    with time_machine.travel(dt.datetime(2026, 10, 20, 22, 0, tzinfo=PARIS), tick=False):
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)  # on call, at night
    with time_machine.travel(dt.datetime(2026, 10, 21, 8, 30, tzinfo=PARIS), tick=False):
        tasks.sweep_outbox()
    assert _staff_mails(mailoutbox) == []
    assert {row.status for row in Notification.objects.filter(kind="sla_warning")} == {"skipped"}
