"""Hand-over to RUN: going live creates or updates the client's managed-service contract."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from clients.models import Contract
from projects.models import EventKind, HandOver, Project, State
from projects.services import project_transition
from sla.policy import HoursPlan, Urgency
from tests.factories import ContractFactory, TechnicianFactory, make_ticket

from .conftest import RUN_TERMS

GO_LIVE = dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)  # 10:00 in Paris


def in_acceptance(project, **values):
    Project.objects.filter(pk=project.pk).update(state=State.ACCEPTANCE, **values)
    project.refresh_from_db()
    return project


@pytest.mark.django_db
def test_going_live_without_the_run_terms_is_refused_and_changes_nothing(project, pm):
    in_acceptance(project, run_hours_plan=HoursPlan.STANDARD, run_gti_critical_minutes=60)
    with pytest.raises(ValidationError) as excinfo:
        project_transition(project=project, action="go_live", by=pm)
    message = str(excinfo.value)
    assert "GTI très bloquant (min)" in message and "technicien référent (RUN)" in message
    assert "GTI critique" not in message
    project.refresh_from_db()
    assert project.state == State.ACCEPTANCE and project.went_live_at is None
    assert not Contract.objects.exists() and not HandOver.objects.exists()
    assert not project.events.filter(kind=EventKind.TRANSITION).exists()


@pytest.mark.django_db
def test_going_live_creates_the_managed_contract_when_the_client_has_none(project, pm):
    referent = TechnicianFactory(user__username="referent")
    in_acceptance(project, **RUN_TERMS, run_referent_id=referent.pk)
    with time_machine.travel(GO_LIVE, tick=False):
        project_transition(project=project, action="go_live", by=pm, note="Bascule OK")
    contract = Contract.objects.get(client=project.client)
    assert contract.kind == Contract.Kind.MANAGED and contract.is_flat_fee
    assert contract.start_date == dt.date(2026, 6, 1) and contract.end_date is None
    assert contract.hours_plan == HoursPlan.EXTENDED and contract.referent == referent
    assert contract.commitments() == {
        "critical": 30,
        "very_blocking": 120,
        "slightly_blocking": 480,
        "non_blocking": 960,
    }
    handover = HandOver.objects.get(project=project)
    assert handover.contract == contract and handover.contract_created
    assert handover.values["referent"] == referent.pk and handover.previous == {}
    assert handover.by == pm
    event = project.events.get(kind=EventKind.HANDOVER)
    assert event.payload["contract"] == contract.pk and event.payload["created"] is True
    assert "créé" in event.note
    # New tickets of the client now run on the handed-over terms.
    with time_machine.travel(GO_LIVE + dt.timedelta(days=1), tick=False):
        ticket = make_ticket(client=project.client, urgency=Urgency.CRITICAL)
    assert ticket.contract == contract and ticket.gti_commitments["critical"] == 30
    assert ticket.gti_duration == dt.timedelta(minutes=30)


@pytest.mark.django_db
def test_going_live_ends_an_arrangement_without_managed_services(project, pm):
    on_demand = ContractFactory(client=project.client, kind=Contract.Kind.NONE)
    in_acceptance(project, **RUN_TERMS, run_referent_id=TechnicianFactory().pk)
    with time_machine.travel(GO_LIVE, tick=False):
        project_transition(project=project, action="go_live", by=pm)
    on_demand.refresh_from_db()
    assert on_demand.end_date == dt.date(2026, 5, 31)
    managed = project.client.active_contract(dt.date(2026, 6, 1))
    assert managed.kind == Contract.Kind.MANAGED and managed.handovers.get().project == project


@pytest.mark.django_db
def test_going_live_updates_the_managed_contract_in_force_and_keeps_the_old_terms(project, pm):
    old_referent = TechnicianFactory(user__username="ancien")
    contract = ContractFactory(
        client=project.client,
        hours_plan=HoursPlan.STANDARD,
        gti_critical_minutes=60,
        referent=old_referent,
    )
    with time_machine.travel(GO_LIVE - dt.timedelta(days=10), tick=False):
        old_ticket = make_ticket(client=project.client, urgency=Urgency.CRITICAL)
    new_referent = TechnicianFactory(user__username="nouveau")
    in_acceptance(project, **RUN_TERMS, run_referent_id=new_referent.pk)
    with time_machine.travel(GO_LIVE, tick=False):
        project_transition(project=project, action="go_live", by=pm)
    assert Contract.objects.filter(client=project.client).count() == 1
    contract.refresh_from_db()
    assert contract.hours_plan == HoursPlan.EXTENDED and contract.referent == new_referent
    assert contract.gti_critical_minutes == 30 and contract.start_date == dt.date(2020, 1, 1)
    handover = project.handover
    assert not handover.contract_created
    assert handover.previous["hours_plan"] == HoursPlan.STANDARD
    assert handover.previous["gti_critical_minutes"] == 60
    assert handover.previous["referent"] == old_referent.pk
    assert "mis à jour" in project.events.get(kind=EventKind.HANDOVER).note
    # A ticket opened before the hand-over keeps the commitments frozen at its creation.
    old_ticket.refresh_from_db()
    assert old_ticket.gti_commitments["critical"] == 60


@pytest.mark.django_db
def test_an_expired_managed_contract_is_not_updated_a_new_one_starts(project, pm):
    expired = ContractFactory(client=project.client, end_date=dt.date(2025, 12, 31))
    in_acceptance(project, **RUN_TERMS, run_referent_id=TechnicianFactory().pk)
    with time_machine.travel(GO_LIVE, tick=False):
        project_transition(project=project, action="go_live", by=pm)
    expired.refresh_from_db()
    assert expired.hours_plan == HoursPlan.STANDARD
    assert project.handover.contract_created and project.handover.contract != expired
