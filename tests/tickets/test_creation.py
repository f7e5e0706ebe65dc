"""Ticket creation: qualification, contract resolution, frozen commitments, numbering."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from clients.models import Contract
from sla.policy import HoursPlan
from tests.factories import ClientFactory, ContactFactory, ContractFactory, SiteFactory, make_ticket
from tickets.models import EventKind, State, Ticket

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.django_db
def test_reference_is_year_and_six_digit_sequence():
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, 0, tzinfo=PARIS), tick=False):
        first, second = make_ticket(), make_ticket()
    assert first.reference == "OC-2026-000001"
    assert second.reference == "OC-2026-000002"


@pytest.mark.django_db
def test_numbering_restarts_each_year_in_paris_time():
    # 31 Dec 23:30 UTC is already 1 January in Paris.
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        ticket = make_ticket()
    assert ticket.reference == "OC-2027-000001"


@pytest.mark.django_db
def test_creation_instant_is_the_reference_and_is_logged():
    at = dt.datetime(2026, 11, 24, 9, 15, tzinfo=PARIS)
    with time_machine.travel(at, tick=False):
        ticket = make_ticket(description="Plus d'impression au 2e étage")
    assert ticket.state == State.NEW
    assert ticket.created_at == at
    created = ticket.events.get()
    assert (created.kind, created.at, created.public) == (EventKind.CREATED, at, True)


@pytest.mark.django_db
def test_contract_commitments_are_frozen_on_the_ticket():
    contract = ContractFactory(hours_plan=HoursPlan.EXTENDED, gti_critical_minutes=30)
    ticket = make_ticket(client=contract.client, urgency="critical")
    contract.gti_critical_minutes = 240
    contract.hours_plan = HoursPlan.STANDARD
    contract.save()
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.contract == contract
    assert ticket.contract_hours_plan == "extended"
    assert ticket.gti_commitments["critical"] == 30
    assert ticket.gti_duration == dt.timedelta(minutes=30)


@pytest.mark.django_db
def test_the_contract_in_force_at_creation_is_attached():
    client = ClientFactory()
    ContractFactory(
        client=client, name="Ancien", start_date=dt.date(2020, 1, 1), end_date=dt.date(2025, 12, 31)
    )
    current = ContractFactory(client=client, name="Actuel", start_date=dt.date(2026, 1, 1))
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, 0, tzinfo=PARIS), tick=False):
        ticket = make_ticket(client=client)
    assert ticket.contract == current


@pytest.mark.django_db
def test_without_contract_the_ticket_is_billable_on_oceanis_hours():
    client = ClientFactory()
    ticket = make_ticket(client=client, urgency="critical")
    assert ticket.contract is None
    assert ticket.billable is True
    assert ticket.gti_basis == "standard"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "billing", "billable"),
    [
        (Contract.Kind.MANAGED, Contract.Billing.FLAT_FEE, False),
        (Contract.Kind.MANAGED, Contract.Billing.BILLABLE, True),
        (Contract.Kind.NONE, Contract.Billing.FLAT_FEE, True),
    ],
)
def test_billable_is_derived_from_the_contract(kind, billing, billable):
    contract = ContractFactory(kind=kind, billing=billing)
    assert make_ticket(client=contract.client).billable is billable


@pytest.mark.django_db
def test_billable_can_be_overridden_at_creation():
    contract = ContractFactory(billing=Contract.Billing.FLAT_FEE)
    assert make_ticket(client=contract.client, billable=True).billable is True


@pytest.mark.django_db
def test_contact_and_site_of_another_client_are_refused_and_nothing_is_written():
    contract = ContractFactory()
    stranger = ContactFactory()
    foreign_site = SiteFactory()
    with pytest.raises(ValidationError) as excinfo:
        make_ticket(client=contract.client, contact=stranger, site=foreign_site)
    assert set(excinfo.value.message_dict) >= {"contact", "site"}
    assert Ticket.objects.count() == 0


@pytest.mark.django_db
def test_invalid_urgency_is_refused_without_consuming_a_reference():
    contract = ContractFactory()
    with pytest.raises(ValidationError) as excinfo:
        make_ticket(client=contract.client, urgency="apocalyptic")
    assert "urgency" in excinfo.value.message_dict
    assert Ticket.objects.count() == 0
    assert make_ticket(client=contract.client).reference.endswith("000001")


@pytest.mark.django_db
def test_creating_with_an_assignee_assigns_it(technician):
    ticket = make_ticket(assignee=technician, by=technician.user)
    assert ticket.state == State.ASSIGNED
    assert ticket.assignee == technician


@pytest.mark.django_db
def test_creation_is_a_handful_of_queries(django_assert_max_num_queries):
    contract = ContractFactory()
    contact = ContactFactory(client=contract.client)
    make_ticket(client=contract.client)  # warm the year's counter row and caches
    # contract in force, savepoint, reference upsert, ticket, created event, the webhook
    # subscriptions it concerns (its deliveries commit with it), release
    with django_assert_max_num_queries(7):
        make_ticket(client=contract.client, contact=contact)


@pytest.mark.django_db
def test_a_failing_event_reader_does_not_fail_the_committed_change(
    django_capture_on_commit_callbacks, caplog
):
    from tickets.signals import event_committed

    def broken_reader(sender, event, **kwargs):
        raise RuntimeError("broker down")

    event_committed.connect(broken_reader, dispatch_uid="test.broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket()
    finally:
        event_committed.disconnect(dispatch_uid="test.broken")
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert "broken_reader" in caplog.text and "broker down" in caplog.text


@pytest.mark.django_db
def test_a_broker_outage_does_not_fail_the_committed_change(
    django_capture_on_commit_callbacks, caplog, monkeypatch
):
    from tickets.tasks import announce_event

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(announce_event, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket()
    assert Ticket.objects.filter(pk=ticket.pk).exists()
    assert "Could not announce ticket event" in caplog.text


@pytest.mark.django_db
def test_each_committed_event_is_one_broker_message(
    django_capture_on_commit_callbacks, monkeypatch
):
    from tickets.tasks import announce_event

    sent = []
    monkeypatch.setattr(announce_event, "delay", sent.append)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = make_ticket()
    assert sent == [ticket.events.get().pk]
