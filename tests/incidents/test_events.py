"""Monitoring events grouped under a major incident (the "event" side of parent/child)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alerts.models import SEVERITY_RANK, Event, Severity
from incidents import services
from incidents.models import IncidentEvent
from incidents.pir import pir_timeline
from tests.factories import make_ticket
from tickets.models import Channel, EventKind, Kind, Ticket
from tickets.services import ticket_cancel

pytestmark = pytest.mark.django_db


def monitoring_event(client, *, with_ticket=True, host="srv-mail-01", **fields):
    ticket = None
    if with_ticket:
        ticket = make_ticket(
            client=client,
            title=f"{host} injoignable",
            kind=Kind.INCIDENT,
            channel=Channel.MONITORING,
        )
    values = {
        "client": client,
        "fingerprint": f"{host}/ping",
        "source": "zabbix",
        "host": host,
        "service": "ping",
        "summary": "Hôte injoignable",
        "severity": Severity.CRITICAL,
        "severity_rank": SEVERITY_RANK[Severity.CRITICAL],
        "count": 3,
        "first_seen": timezone.now() - dt.timedelta(minutes=30),
        "ticket": ticket,
    }
    values.update(fields)
    return Event.objects.create(**values)


def test_linking_an_event_affects_its_client_and_groups_its_ticket(incident, tenants, technician):
    event = monitoring_event(tenants["other"])

    services.incident_link_event(incident=incident, event=event, by=technician.user)

    assert tenants["other"] in incident.affected_clients.all()
    assert incident.ticket_links.filter(ticket=event.ticket).exists()
    note = event.ticket.events.get(kind=EventKind.NOTE)
    assert incident.reference in note.body


def test_an_event_without_ticket_is_grouped_alone(incident, tenants, technician):
    event = monitoring_event(tenants["other"], with_ticket=False)
    services.incident_link_event(incident=incident, event=event, by=technician.user)
    assert list(incident.event_links.values_list("event", flat=True)) == [event.pk]
    assert incident.ticket_links.count() == 1  # only the fixture's ticket


def test_the_cancelled_ticket_of_a_recovered_event_is_not_grouped(incident, tenants, technician):
    event = monitoring_event(tenants["other"], resolved_at=timezone.now())
    ticket_cancel(ticket=event.ticket, by=None, reason="Rétabli avant prise en charge")
    services.incident_link_event(incident=incident, event=event, by=technician.user)
    assert not incident.ticket_links.filter(ticket=event.ticket).exists()


def test_an_event_belongs_to_one_major_incident_only(incident, tenants, technician):
    event = monitoring_event(tenants["other"], with_ticket=False)
    services.incident_link_event(incident=incident, event=event, by=technician.user)
    second = services.incident_create(title="Autre", by=technician.user)
    with pytest.raises(ValidationError, match=incident.reference):
        services.incident_link_event(incident=second, event=event, by=technician.user)
    services.incident_unlink_event(incident=incident, event=event, by=technician.user)
    assert not IncidentEvent.objects.exists()


def test_the_timeline_shows_events_to_staff_and_each_client_its_own(incident, tenants, technician):
    own = monitoring_event(
        tenants["affected"], with_ticket=False, host="fw-alpha", resolved_at=timezone.now()
    )
    foreign = monitoring_event(tenants["other"], with_ticket=False, host="fw-bravo")
    for event in (own, foreign):
        services.incident_link_event(incident=incident, event=event, by=technician.user)

    staff_titles = " ".join(e.title for e in pir_timeline(incident))
    assert "fw-alpha" in staff_titles and "fw-bravo" in staff_titles
    assert "Supervision : rétabli – fw-alpha" in staff_titles

    client_titles = " ".join(
        e.title
        for e in pir_timeline(
            incident,
            visible_tickets=Ticket.objects.filter(client=tenants["affected"]),
            visible_events=Event.objects.filter(client=tenants["affected"]),
        )
    )
    assert "fw-alpha" in client_titles and "fw-bravo" not in client_titles
    no_events = pir_timeline(incident, visible_tickets=Ticket.objects.none())
    assert not any(e.source == "monitoring" for e in no_events)


def test_events_are_linked_by_number_from_the_incident_page(client, incident, tenants, technician):
    event = monitoring_event(tenants["other"], with_ticket=False)
    client.force_login(technician.user)
    url = reverse("incidents:link", args=[incident.pk])

    page = client.post(url, {"events": "999999"}, follow=True).content.decode()
    assert "Événement de supervision introuvable : 999999" in page
    page = client.post(url, {"events": f"#{event.pk}"}, follow=True).content.decode()
    assert f"Événement de supervision n°{event.pk} rattaché." in page
    assert "srv-mail-01" in page
    page = client.post(url, {}, follow=True).content.decode()
    assert "Indiquez au moins une demande ou un événement." in page


def test_unlinking_an_event_is_staff_only(client, incident, tenants, technician):
    event = monitoring_event(tenants["other"], with_ticket=False)
    services.incident_link_event(incident=incident, event=event, by=technician.user)
    url = reverse("incidents:unlink_event", args=[incident.pk, event.pk])
    client.force_login(tenants["a_user"].user)
    assert client.post(url).status_code == 403
    client.force_login(technician.user)
    assert client.post(url).status_code == 302
    assert not incident.event_links.exists()
    assert client.post(url).status_code == 404
