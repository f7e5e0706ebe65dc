"""A call to the on-call line out of the contract's hours pages the technician on call, like a
critical alert of that client would, with the caller's details; within hours it does not."""

import pytest
import time_machine

from oncall.models import Page, PageReason, PageTrigger
from sla.policy import HoursPlan
from telephony.models import Call
from tests.factories import ContactFactory, ContractFactory
from tests.oncall.conftest import make_rotation, paris
from tests.telephony.conftest import DESK_LINE, ONCALL_LINE
from tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db

SATURDAY_3AM = paris(2026, 10, 3, 3, 0)  # alice is on call (rotation from Thursday 1 Oct)
TUESDAY_10AM = paris(2026, 10, 6, 10, 0)  # the desk is open


@pytest.fixture(autouse=True)
def rotation(db):
    return make_rotation()


def call_at(api, instant, capture, *, called=ONCALL_LINE, call_id="night-1", caller="0251102000"):
    body = {
        "call_id": call_id,
        "caller": caller,
        "called": called,
        "started_at": instant.isoformat(),
    }
    with time_machine.travel(instant, tick=False), capture(execute=True):
        response = api.post("/api/v1/calls/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_out_of_hours_the_on_call_line_pages_with_the_callers_details(
    switchboard, pierre, django_capture_on_commit_callbacks
):
    body = call_at(switchboard, SATURDAY_3AM, django_capture_on_commit_callbacks)
    assert body["paged"] is True
    ticket = Ticket.objects.get(reference=body["ticket"])
    assert (ticket.channel, ticket.urgency, ticket.client, ticket.contact) == (
        Channel.PHONE,
        "critical",
        pierre.client,
        pierre,
    )
    assert "Pierre Martin" in ticket.title and "02 51 10 20 00" in ticket.title
    assert "pierre.martin@vendee-logistique.example" in ticket.description
    page = Page.objects.get(ticket=ticket)
    assert (page.trigger, page.reason) == (PageTrigger.CREATED, PageReason.CONTRACT)
    assert page.target.user.username == "alice"
    assert Call.objects.get().ticket == ticket


def test_the_same_call_posted_again_pages_once(
    switchboard, pierre, django_capture_on_commit_callbacks
):
    call_at(switchboard, SATURDAY_3AM, django_capture_on_commit_callbacks)
    with time_machine.travel(SATURDAY_3AM, tick=False):
        again = switchboard.post(
            "/api/v1/calls/",
            {
                "call_id": "night-1",
                "caller": "0251102000",
                "called": ONCALL_LINE,
                "started_at": SATURDAY_3AM.isoformat(),
                "answered_by": "alice",
            },
            format="json",
        )
    assert again.status_code == 200
    assert Ticket.objects.count() == 1 and Page.objects.count() == 1


def test_within_the_contracts_hours_the_on_call_line_does_not_page(
    switchboard, pierre, django_capture_on_commit_callbacks
):
    body = call_at(switchboard, TUESDAY_10AM, django_capture_on_commit_callbacks)
    assert (body["paged"], body["ticket"]) == (False, None)
    assert not Ticket.objects.exists() and not Page.objects.exists()


def test_the_desk_line_at_night_does_not_page(
    switchboard, pierre, django_capture_on_commit_callbacks
):
    body = call_at(switchboard, SATURDAY_3AM, django_capture_on_commit_callbacks, called=DESK_LINE)
    assert body["paged"] is False
    assert not Page.objects.exists()


def test_a_client_without_on_call_cover_is_not_paged_for(
    switchboard, django_capture_on_commit_callbacks
):
    standard = ContractFactory(hours_plan=HoursPlan.STANDARD).client
    ContactFactory(client=standard, phone="06 12 34 56 78")
    body = call_at(
        switchboard, SATURDAY_3AM, django_capture_on_commit_callbacks, caller="+33612345678"
    )
    assert body["client"] == standard.code and body["paged"] is False
    assert not Page.objects.exists()


def test_an_unidentified_caller_is_logged_not_paged(
    switchboard, pierre, django_capture_on_commit_callbacks
):
    body = call_at(
        switchboard, SATURDAY_3AM, django_capture_on_commit_callbacks, caller="0699999999"
    )
    assert (body["client"], body["paged"]) == (None, False)
    assert Call.objects.get().on_call_line is True
    assert not Page.objects.exists()


def test_several_on_call_numbers_in_any_format(
    settings, switchboard, pierre, django_capture_on_commit_callbacks
):
    settings.TELEPHONY_ONCALL_NUMBERS = ["0800 00 00 01", "02.51.99.99.99"]
    body = call_at(
        switchboard, SATURDAY_3AM, django_capture_on_commit_callbacks, called="+33251999999"
    )
    assert body["paged"] is True
