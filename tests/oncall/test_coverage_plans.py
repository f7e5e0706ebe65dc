"""On-call coverage plans: a contract subscribes to weekly on-call ranges; out of its subscribed
hours but inside them, the plan's urgencies page and their GTI counts; outside, nothing pages
and the clock waits for the next covered opening."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from calendars.models import CalendarChange, ChangeAction
from oncall import triggers
from oncall.models import Page, PageReason, Weekday
from oncall.plans import CoveragePlan
from oncall.services import contract_coverage_set, coverage_plan_save
from sla.policy import HoursPlan, Urgency
from tests.factories import ContractFactory, make_ticket
from tests.oncall.conftest import paris

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 10, 5)  # alice's on-call week (rotation fixture)
EVENINGS = [(d, dt.time(18), dt.time(23)) for d in range(Weekday.MONDAY, Weekday.SATURDAY)]


def make_plan(name="Soirées semaine", windows=EVENINGS, **fields):
    return coverage_plan_save(plan=CoveragePlan(name=name, **fields), windows=windows)


@pytest.fixture
def evening_contract(db):
    contract = ContractFactory(hours_plan=HoursPlan.STANDARD)
    contract_coverage_set(contract=contract, plan=make_plan())
    return contract


def create(instant, contract, capture, urgency=Urgency.VERY_BLOCKING):
    with time_machine.travel(instant, tick=False), capture(execute=True):
        return make_ticket(client=contract.client, urgency=urgency)


def test_a_very_blocking_ticket_at_19h_pages_and_counts_its_gti_on_the_evening_range(
    rotation, evening_contract, django_capture_on_commit_callbacks
):
    ticket = create(paris(2026, 10, 5, 19, 0), evening_contract, django_capture_on_commit_callbacks)
    page = Page.objects.get(ticket=ticket)
    assert page.reason == PageReason.COVERAGE
    assert page.target.user.username == "alice"
    assert ticket.gti_basis.startswith("oc") and ticket.gti_basis.endswith(":standard")
    assert ticket.gti_deadline == paris(2026, 10, 5, 23, 0)  # 4 h inside 18:00–23:00


def test_at_23h30_nothing_pages_and_the_deadline_falls_the_next_morning(
    rotation, evening_contract, django_capture_on_commit_callbacks
):
    ticket = create(
        paris(2026, 10, 5, 23, 30), evening_contract, django_capture_on_commit_callbacks
    )
    assert not Page.objects.filter(ticket=ticket).exists()
    # Tuesday 08:30–12:30: the desk's subscribed hours.
    assert ticket.gti_deadline == paris(2026, 10, 6, 12, 30)


def test_an_urgency_outside_the_plan_neither_pages_nor_counts_on_the_plan(
    rotation, evening_contract, django_capture_on_commit_callbacks
):
    ticket = create(
        paris(2026, 10, 5, 19, 0),
        evening_contract,
        django_capture_on_commit_callbacks,
        urgency=Urgency.SLIGHTLY_BLOCKING,
    )
    assert not Page.objects.filter(ticket=ticket).exists()
    assert ticket.gti_basis == HoursPlan.STANDARD


def test_the_plan_decides_which_urgencies_page(rotation, django_capture_on_commit_callbacks):
    contract = ContractFactory()
    plan = make_plan(name="Critiques seulement", paging_urgencies=[Urgency.CRITICAL])
    contract_coverage_set(contract=contract, plan=plan)
    at = paris(2026, 10, 5, 20, 0)
    blocking = create(at, contract, django_capture_on_commit_callbacks)
    critical = create(at, contract, django_capture_on_commit_callbacks, urgency=Urgency.CRITICAL)
    assert not Page.objects.filter(ticket=blocking).exists()
    assert Page.objects.get(ticket=critical).reason == PageReason.COVERAGE


def test_saturday_range_and_holidays_follow_the_plan(rotation, django_capture_on_commit_callbacks):
    saturday = [(Weekday.SATURDAY, dt.time(8), dt.time(20))]
    with_holidays = ContractFactory()
    contract_coverage_set(
        contract=with_holidays,
        plan=make_plan("Samedis et fériés", EVENINGS + saturday, holidays_included=True),
    )
    without = ContractFactory()
    contract_coverage_set(contract=without, plan=make_plan("Samedis", EVENINGS + saturday))
    capture = django_capture_on_commit_callbacks
    saturday_10h = paris(2026, 10, 10, 10, 0)
    assert Page.objects.filter(ticket=create(saturday_10h, without, capture)).exists()
    # Armistice, Wednesday 11 November 2026, 19:00: covered only by the plan including holidays.
    armistice = paris(2026, 11, 11, 19, 0)
    covered = create(armistice, with_holidays, capture)
    uncovered = create(armistice, without, capture)
    assert Page.objects.filter(ticket=covered).exists()
    assert covered.gti_deadline == paris(2026, 11, 11, 23, 0)
    assert not Page.objects.filter(ticket=uncovered).exists()
    assert uncovered.gti_deadline == paris(2026, 11, 12, 12, 30)


def test_a_ticket_waiting_when_the_desk_closes_pages_at_the_start_of_the_range(
    rotation, evening_contract, django_capture_on_commit_callbacks
):
    ticket = create(
        paris(2026, 10, 5, 17, 45), evening_contract, django_capture_on_commit_callbacks
    )
    assert not Page.objects.filter(ticket=ticket).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert triggers.raise_pages_at_desk_closing(now=paris(2026, 10, 5, 18, 1)) == 1
    assert Page.objects.get(ticket=ticket).reason == PageReason.COVERAGE


def test_24x7_contracts_without_a_plan_keep_paging_critical_tickets_only(
    rotation, client_24x7, django_capture_on_commit_callbacks
):
    contract = client_24x7.contracts.get()
    night = paris(2026, 10, 5, 23, 30)
    blocking = create(night, contract, django_capture_on_commit_callbacks)
    critical = create(night, contract, django_capture_on_commit_callbacks, urgency=Urgency.CRITICAL)
    assert not Page.objects.filter(ticket=blocking).exists()
    assert Page.objects.get(ticket=critical).reason == PageReason.CONTRACT
    assert critical.gti_basis == HoursPlan.ON_CALL


def test_a_subscription_changes_new_tickets_only_and_is_logged(manager, rotation):
    contract = ContractFactory()
    at = paris(2026, 10, 5, 20, 0)
    with time_machine.travel(at, tick=False):
        before = make_ticket(client=contract.client, urgency=Urgency.VERY_BLOCKING)
        contract_coverage_set(contract=contract, plan=make_plan(), by=manager.user)
        after = make_ticket(client=contract.client, urgency=Urgency.VERY_BLOCKING)
    assert before.gti_deadline == paris(2026, 10, 6, 12, 30)
    assert after.gti_deadline == paris(2026, 10, 6, 9, 30)  # 3 h that evening, 1 h Tuesday
    change = CalendarChange.objects.filter(action=ChangeAction.COVERAGE_SET).get()
    assert change.by == manager.user and change.payload["contract"] == contract.pk


def test_overlapping_ranges_are_refused():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        make_plan(windows=[(0, dt.time(18), dt.time(22)), (0, dt.time(21), dt.time(23))])


def test_the_on_call_screen_shows_which_contracts_are_covered_now(
    client, manager, rotation, evening_contract, client_24x7
):
    client.force_login(manager.user)
    with time_machine.travel(paris(2026, 10, 5, 19, 0), tick=False):
        page = client.get(reverse("oncall:now")).content.decode()
    row = page.split(f'data-contract="{evening_contract.pk}"')[1].split("</tr>")[0]
    assert "Soirées semaine" in row and "Couvert par l'astreinte" in row
    row_24x7 = page.split(f'data-contract="{client_24x7.contracts.get().pk}"')[1]
    assert "Couvert par l'astreinte" in row_24x7.split("</tr>")[0]
    with time_machine.travel(paris(2026, 10, 5, 23, 30), tick=False):
        page = client.get(reverse("oncall:now")).content.decode()
    row = page.split(f'data-contract="{evening_contract.pk}"')[1].split("</tr>")[0]
    assert "Non couvert" in row and "reprise" in row
