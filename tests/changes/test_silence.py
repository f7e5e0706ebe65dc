"""A change's planned window silences monitoring for its clients (and hosts): the alerts of the
maintenance open no ticket while it runs, and do after."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from alerts.models import Silence
from alerts.parsing import parse_each
from alerts.services import alerts_ingest
from tests.factories import ContactFactory, ContractFactory, UserFactory
from tickets.models import Ticket

from .test_change_lifecycle import act, draft, people  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return ContractFactory(client__code="acme", client__name="ACME").client


def approved_change(people, client, *actions):  # noqa: F811
    change = draft(people["requester"])
    change.affected_clients.set([client])
    for action in ("submit", "approve", *actions):
        act(change, action, people["manager"])
    return change


def fire(host, now):
    alerts, _invalid = parse_each(
        {"host": host, "service": "ping", "severity": "critical", "client": "acme"}
    )
    return alerts_ingest(alerts=alerts, by=None, now=now).tickets_opened


def test_the_change_page_silences_its_hosts_over_the_window_once(client, people, acme):  # noqa: F811
    change = approved_change(people, acme, "schedule")
    client.force_login(people["requester"])
    url = reverse("changes:change_silence", args=[change.pk])
    client.post(url, {"hosts": "FW1, fw2"})
    client.post(url, {"hosts": "fw1 fw2"})  # double click: the same two rows
    rows = Silence.objects.order_by("host")
    assert [(s.client, s.host, s.change) for s in rows] == [
        (acme, "fw1", change),
        (acme, "fw2", change),
    ]
    assert {(s.starts_at, s.ends_at) for s in rows} == {(change.planned_start, change.planned_end)}
    page = client.get(reverse("changes:change_detail", args=[change.pk])).content.decode()
    assert "fw1" in page and "fw2" in page

    inside = change.planned_start + dt.timedelta(minutes=30)
    with time_machine.travel(inside, tick=False):
        assert fire("fw1", inside) == []
        assert len(fire("srv9", inside)) == 1  # another host of the client still opens
    after = change.planned_end + dt.timedelta(minutes=1)
    with time_machine.travel(after, tick=False):
        assert len(fire("fw1", after)) == 1
    assert Ticket.objects.count() == 2


def test_without_hosts_every_host_of_the_clients_is_silenced(client, people, acme):  # noqa: F811
    change = approved_change(people, acme)
    client.force_login(people["requester"])
    client.post(reverse("changes:change_silence", args=[change.pk]), {"hosts": ""})
    assert Silence.objects.get().host == ""
    inside = change.planned_start + dt.timedelta(minutes=1)
    with time_machine.travel(inside, tick=False):
        assert fire("anything", inside) == []


def test_a_draft_or_a_change_without_clients_silences_nothing(client, people, acme):  # noqa: F811
    change = draft(people["requester"])
    change.affected_clients.set([acme])
    client.force_login(people["requester"])
    response = client.post(reverse("changes:change_silence", args=[change.pk]), {"hosts": "fw1"})
    assert response.status_code == 302 and Silence.objects.count() == 0
    lonely = draft(people["requester"])
    for action in ("submit", "approve"):
        act(lonely, action, people["manager"])
    client.post(reverse("changes:change_silence", args=[lonely.pk]), {"hosts": "fw1"})
    assert Silence.objects.count() == 0


def test_client_contacts_and_visitors_cannot_silence(client, people, acme):  # noqa: F811
    change = approved_change(people, acme)
    url = reverse("changes:change_silence", args=[change.pk])
    assert client.post(url).status_code == 302  # to the login page
    client.force_login(ContactFactory(client=acme, user=UserFactory()).user)
    assert client.post(url, {"hosts": "fw1"}).status_code == 403
    assert Silence.objects.count() == 0
