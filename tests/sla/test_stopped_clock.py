"""A cancelled (or closed) ticket stops every GTI clock: no running GTI, no breach on the page,
in the queue filter or the API, no warning, no page."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from api.scopes import INTEGRATION_SCOPES
from api.services import token_create
from oncall.triggers import page_reason
from sla.status import gti_status
from tests.factories import ContractFactory, make_ticket
from tests.oncall.conftest import paris
from tickets.models import State
from tickets.selectors import ticket_gti_status
from tickets.services import ticket_cancel
from tickets.sla_warnings import record_due_sla_warnings

CREATED = paris(2026, 3, 2, 9, 0)
WEEKS_LATER = paris(2026, 4, 2, 9, 0)


def test_a_stopped_clock_is_neither_running_nor_late():
    common = {
        "created_at": CREATED,
        "deadline": CREATED + dt.timedelta(hours=1),
        "basis": "standard",
        "duration": dt.timedelta(hours=1),
        "ti_measured": None,
        "gti_met": None,
        "now": WEEKS_LATER,
    }
    assert gti_status(**common).breached
    stopped = gti_status(**common, stopped=True)
    assert not (stopped.running or stopped.breached or stopped.at_risk)
    assert stopped.percent is None and stopped.level == "none"
    assert stopped.deadline == common["deadline"]  # still shown, as history


@pytest.fixture
def cancelled(db, manager):
    contract = ContractFactory()
    with time_machine.travel(CREATED, tick=False):
        ticket = make_ticket(client=contract.client, urgency="critical")
        ticket_cancel(ticket=ticket, by=manager.user, reason="Doublon")
    ticket.refresh_from_db()
    assert ticket.state == State.CANCELLED
    return ticket


@pytest.mark.django_db
def test_a_cancelled_ticket_never_shows_as_breached(client, manager, cancelled):
    client.force_login(manager.user)
    with time_machine.travel(WEEKS_LATER, tick=False):
        assert not ticket_gti_status(cancelled).breached
        page = client.get(reverse("backoffice:ticket", args=[cancelled.reference])).content
        queue = client.get(
            reverse("backoffice:team_queue"), {"state": "cancelled", "sla": "breached"}
        ).content
        listed = client.get(reverse("backoffice:team_queue"), {"state": "cancelled"}).content
        token, raw = token_create(name="Outil", scopes=INTEGRATION_SCOPES)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        body = api.get(f"/api/v1/tickets/{cancelled.reference}/sla/").json()
        assert record_due_sla_warnings(now=WEEKS_LATER) == 0
        assert page_reason(cancelled, WEEKS_LATER) is None
    text = page.decode()
    assert "GTI dépassée" not in text and "Horloge arrêtée" in text
    assert cancelled.reference not in queue.decode()
    assert cancelled.reference in listed.decode() and "Dépassée de" not in listed.decode()
    assert (body["breached"], body["running"], body["at_risk"]) == (False, False, False)
    assert body["consumed_percent"] is None and body["level"] == "none"
