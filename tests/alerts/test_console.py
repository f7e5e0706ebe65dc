"""The event console: who sees it, what it lists (filters, states, query count), its actions."""

import datetime as dt

import pytest
from django.urls import reverse

from alerts.console import event_acknowledge, event_open_ticket
from alerts.models import Event, Severity, Silence
from incidents.models import IncidentEvent
from tests.factories import (
    ContactFactory,
    ContractFactory,
    TechnicianFactory,
    UserFactory,
    make_ticket,
)
from tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db

CONSOLE = "/evenements/"


@pytest.fixture(autouse=True)
def _full_urls(_api_only_urls, settings):
    settings.ROOT_URLCONF = "oceanis.urls"


def make_event(client, n=0, **fields):
    now = fields.pop("now", None) or dt.datetime.now(dt.UTC)
    severity = fields.pop("severity", Severity.MAJOR)
    from alerts.models import SEVERITY_RANK

    return Event.objects.create(
        client=client,
        fingerprint=f"fp-{n}",
        source="generic",
        host=fields.pop("host", f"srv{n}"),
        service=fields.pop("service", "disk"),
        summary=fields.pop("summary", f"Disque plein {n}"),
        severity=severity,
        severity_rank=SEVERITY_RANK[severity],
        first_seen=now,
        last_seen=now,
        **fields,
    )


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="tech")


@pytest.fixture
def staff(client, tech):
    client.force_login(tech.user)
    return client


def test_anonymous_visitors_go_to_login_and_client_contacts_are_refused(client, acme):
    event = make_event(acme)
    assert client.get(CONSOLE).status_code == 302
    assert client.post(reverse("alerts:acknowledge", args=[event.pk])).status_code == 302
    contact = ContactFactory(client=acme, user=UserFactory(username="contact"))
    client.force_login(contact.user)
    assert client.get(CONSOLE).status_code == 403
    assert client.post(reverse("alerts:acknowledge", args=[event.pk])).status_code == 403
    assert client.post(reverse("alerts:open_ticket", args=[event.pk])).status_code == 403
    event.refresh_from_db()
    assert event.acknowledged_at is None and event.ticket is None


def test_a_technician_sees_open_events_with_client_host_severity_count(staff, acme):
    make_event(acme, 1, summary="Disque plein", count=7)
    make_event(acme, 2, summary="Déjà rétabli", resolved_at=dt.datetime.now(dt.UTC))
    page = staff.get(CONSOLE).content.decode()
    assert "Disque plein" in page and "ACME" in page and "srv1" in page and ">7<" in page
    assert "Déjà rétabli" not in page  # open events by default
    assert "Déjà rétabli" in staff.get(CONSOLE + "?state=resolved").content.decode()


def test_filters_by_state_client_severity_host_and_text(staff, acme, tech):
    other = ContractFactory(client__code="other", client__name="Autre").client
    firing = make_event(acme, 1, summary="Ping perdu", severity=Severity.CRITICAL)
    acked = make_event(acme, 2, summary="Mémoire haute", severity=Severity.WARNING)
    event_acknowledge(event=acked, by=tech.user)
    make_event(other, 3, summary="Autre client", host="db1")

    def listed(query):
        page = staff.get(CONSOLE + query).content.decode()
        return {s for s in ("Ping perdu", "Mémoire haute", "Autre client") if s in page}

    assert listed("?state=firing") == {"Ping perdu", "Autre client"}
    assert listed("?state=acknowledged") == {"Mémoire haute"}
    assert listed(f"?client={other.pk}") == {"Autre client"}
    assert listed("?severity=critical") == {"Ping perdu"}
    assert listed("?host=db") == {"Autre client"}
    assert listed("?q=m%C3%A9moire") == {"Mémoire haute"}
    # A bad value is reported and ignored, never a 500.
    response = staff.get(CONSOLE + "?state=nope&client=abc")
    assert response.status_code == 200 and "invalides" in response.content.decode()
    assert firing.pk


def test_the_console_pins_its_query_count(staff, acme, tech, django_assert_max_num_queries):
    for n in range(30):
        event = make_event(acme, n)
        if n % 3 == 0:
            event_open_ticket(event=event, by=tech.user)
        elif n % 3 == 1:
            event_acknowledge(event=event, by=tech.user)
    with django_assert_max_num_queries(8):
        response = staff.get(CONSOLE)
    assert response.content.decode().count('data-event="') == 30
    with django_assert_max_num_queries(8):
        staff.get(CONSOLE, headers={"HX-Request": "true", "HX-Target": "event-rows"})


def test_the_live_refresh_returns_the_rows_only(staff, acme):
    make_event(acme, 1)
    response = staff.get(CONSOLE, headers={"HX-Request": "true", "HX-Target": "event-rows"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="event-rows"') and "<html" not in body
    assert 'hx-swap-oob="true"' in body  # the counters follow


def test_acknowledging_records_who_and_when_once(staff, acme, tech):
    event = make_event(acme)
    url = reverse("alerts:acknowledge", args=[event.pk])
    assert staff.post(url, {"next": CONSOLE}).headers["Location"] == CONSOLE
    first = Event.objects.get().acknowledged_at
    staff.post(url)  # double click
    event.refresh_from_db()
    assert event.acknowledged_by == tech.user and event.acknowledged_at == first


def test_creating_a_ticket_from_an_event_is_double_click_safe(staff, acme, tech):
    event = make_event(acme, severity=Severity.MINOR)
    url = reverse("alerts:open_ticket", args=[event.pk])
    staff.post(url, {"urgency": "very_blocking"})
    staff.post(url, {"urgency": "very_blocking"})
    ticket = Ticket.objects.get()
    event.refresh_from_db()
    assert event.ticket == ticket and event.acknowledged_by == tech.user
    assert ticket.channel == Channel.MONITORING and ticket.urgency == "very_blocking"
    assert ticket.client == acme


def test_an_unknown_urgency_is_a_message_not_a_500(staff, acme):
    event = make_event(acme)
    response = staff.post(reverse("alerts:open_ticket", args=[event.pk]), {"urgency": "x"})
    assert response.status_code == 302 and Ticket.objects.count() == 0


def test_linking_an_event_to_a_ticket_of_its_client_only(staff, acme, tech):
    event = make_event(acme)
    own = make_ticket(client=acme)
    foreign = make_ticket(client=ContractFactory().client)
    url = reverse("alerts:link_ticket", args=[event.pk])
    staff.post(url, {"reference": foreign.reference})
    event.refresh_from_db()
    assert event.ticket is None
    staff.post(url, {"reference": own.reference.lower()})
    staff.post(url, {"reference": own.reference})  # again: nothing more
    event.refresh_from_db()
    assert event.ticket == own
    assert own.events.filter(payload__monitoring_event=event.pk).count() == 1
    assert staff.post(url, {"reference": "OC-2099-999999"}).status_code == 302


def test_grouping_an_event_under_a_major_incident(staff, acme, tech):
    from incidents.services import incident_create

    incident = incident_create(title="Panne réseau", by=tech.user, services="réseau")
    event = make_event(acme)
    url = reverse("alerts:link_incident", args=[event.pk])
    staff.post(url, {"incident": incident.pk})
    staff.post(url, {"incident": incident.pk})
    assert IncidentEvent.objects.get().incident == incident
    assert staff.post(url, {"incident": "abc"}).status_code == 302
    page = staff.get(CONSOLE).content.decode()
    assert incident.reference in page


def test_silencing_an_event_from_the_console(staff, acme, tech):
    event = make_event(acme)
    url = reverse("alerts:silence", args=[event.pk])
    staff.post(url, {"minutes": "120", "reason": "Redémarrage"})
    staff.post(url, {"minutes": "120", "reason": "Redémarrage"})  # double click
    silence = Silence.objects.get()
    assert (silence.fingerprint, silence.host, silence.created_by) == ("fp-0", "srv0", tech.user)
    event.refresh_from_db()
    assert event.silenced_until == silence.ends_at
    assert "En sourdine" in staff.get(CONSOLE + "?state=silenced").content.decode()
    assert staff.post(url, {"minutes": "99999"}).status_code == 302  # refused, no 500
    assert Silence.objects.count() == 1
    staff.post(reverse("alerts:silence_lift", args=[silence.pk]))
    silence.refresh_from_db()
    assert silence.ended_by == tech.user


def test_the_event_page_shows_the_actions(staff, acme):
    event = make_event(acme, summary="Onduleur sur batterie")
    page = staff.get(reverse("alerts:event", args=[event.pk])).content.decode()
    assert "Onduleur sur batterie" in page and "Créer une demande" in page
    assert staff.get(reverse("alerts:event", args=[999999])).status_code == 404
