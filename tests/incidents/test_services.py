"""Major incidents: grouping tickets across clients and the order of communications."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents import services
from incidents.models import IncidentTicket, MajorIncident, MessageKind
from tests.factories import make_ticket
from tickets.models import Channel, EventKind, Kind
from tickets.services import ticket_cancel, ticket_close, ticket_resolve, ticket_take_in_charge

from .helpers import publish

pytestmark = pytest.mark.django_db


def test_linking_a_request_qualifies_it_as_incident_and_logs_it_on_the_ticket(
    incident, tenants, technician
):
    request = make_ticket(client=tenants["other"], title="VPN coupé", kind=Kind.REQUEST)

    services.incident_link_ticket(incident=incident, ticket=request, by=technician.user)

    request.refresh_from_db()
    assert request.kind == Kind.INCIDENT
    event = request.events.get(kind=EventKind.QUALIFICATION)
    assert event.payload["changes"]["kind"] == [Kind.REQUEST, Kind.INCIDENT]
    assert incident.reference in event.body
    assert event.public is False
    assert set(incident.affected_clients.all()) == {tenants["affected"], tenants["other"]}


def test_a_monitoring_event_already_qualified_is_grouped_with_an_internal_note(
    incident, tenants, technician
):
    alert = make_ticket(
        client=tenants["other"], title="CPU 100 %", kind=Kind.INCIDENT, channel=Channel.MONITORING
    )

    services.incident_link_ticket(incident=incident, ticket=alert, by=technician.user)

    note = alert.events.get(kind=EventKind.NOTE)
    assert incident.reference in note.body and not note.public
    assert not alert.events.filter(kind=EventKind.QUALIFICATION).exists()


def test_a_ticket_belongs_to_one_major_incident_only(incident, tenants, technician):
    ticket = incident.ticket_links.get().ticket
    second = services.incident_create(title="Autre", by=technician.user)

    with pytest.raises(ValidationError, match=incident.reference):
        services.incident_link_ticket(incident=second, ticket=ticket, by=technician.user)


def test_a_cancelled_or_closed_request_cannot_be_qualified(incident, tenants, technician):
    user = technician.user
    cancelled = make_ticket(client=tenants["other"])
    ticket_cancel(ticket=cancelled, by=user, reason="Doublon")
    closed = make_ticket(client=tenants["other"])
    ticket_take_in_charge(ticket=closed, by=user)
    ticket_resolve(ticket=closed, by=user, note="Corrigé.")
    ticket_close(ticket=closed, by=user, synthesis="Fait")

    for ticket in (cancelled, closed):
        with pytest.raises(ValidationError):
            services.incident_link_ticket(incident=incident, ticket=ticket, by=user)
    assert IncidentTicket.objects.filter(incident=incident).count() == 1


def test_unlinking_keeps_the_qualification_and_logs_it(incident, technician):
    ticket = incident.ticket_links.get().ticket

    services.incident_unlink_ticket(incident=incident, ticket=ticket, by=technician.user)

    assert not incident.ticket_links.exists()
    assert ticket.events.filter(kind=EventKind.NOTE, body__contains="Détachée").exists()
    with pytest.raises(ValidationError):
        services.incident_unlink_ticket(incident=incident, ticket=ticket, by=technician.user)


def test_a_client_with_linked_tickets_cannot_be_removed(incident, tenants, technician):
    with pytest.raises(ValidationError):
        services.incident_remove_client(
            incident=incident, client=tenants["affected"], by=technician.user
        )
    services.incident_add_client(incident=incident, client=tenants["other"], by=technician.user)
    services.incident_remove_client(incident=incident, client=tenants["other"], by=technician.user)
    assert list(incident.affected_clients.all()) == [tenants["affected"]]


def test_communications_go_initial_then_updates_then_one_resolution(incident, technician):
    user = technician.user
    with pytest.raises(ValidationError, match="notification initiale"):
        publish(incident, user, kind="update")

    publish(incident, user, kind="initial")
    with pytest.raises(ValidationError, match="déjà"):
        publish(incident, user, kind="initial")
    publish(incident, user, kind="update")
    publish(incident, user, kind="update")
    publish(incident, user, kind="resolution")

    incident.refresh_from_db()
    assert incident.status == MajorIncident.Status.RESOLVED
    assert incident.resolved_at is not None and incident.next_update_at is None
    assert list(incident.messages.values_list("kind", flat=True)) == [
        MessageKind.INITIAL,
        MessageKind.UPDATE,
        MessageKind.UPDATE,
        MessageKind.RESOLUTION,
    ]
    with pytest.raises(ValidationError, match="résolu"):
        publish(incident, user, kind="update")


def test_an_update_promises_a_future_next_update_time(incident, technician):
    publish(incident, technician.user)
    for when in (None, timezone.now() - dt.timedelta(minutes=1)):
        with pytest.raises(ValidationError) as exc:
            services.incident_publish_message(
                incident=incident,
                kind="update",
                subject="Point",
                body="Toujours en cours",
                by=technician.user,
                next_update_at=when,
            )
        assert "next_update_at" in exc.value.error_dict

    message = publish(incident, technician.user, kind="update", minutes=45)
    incident.refresh_from_db()
    assert incident.next_update_at == message.next_update_at


def test_an_unedited_update_template_is_refused(incident, technician):
    publish(incident, technician.user)
    with pytest.raises(ValidationError, match="Complétez"):
        publish(incident, technician.user, kind="update", body=services.TEMPLATE_PROMPT + " …]")


def test_nothing_is_published_without_an_affected_client(technician):
    bare = services.incident_create(title="Sans client", by=technician.user)
    with pytest.raises(ValidationError, match="Aucun client"):
        publish(bare, technician.user)
    assert not bare.messages.exists()


def test_setting_the_next_update_time_requires_the_future(incident, technician):
    with pytest.raises(ValidationError):
        services.incident_set_next_update(
            incident=incident, by=technician.user, at=timezone.now() - dt.timedelta(seconds=1)
        )
    later = timezone.now() + dt.timedelta(hours=1)
    services.incident_set_next_update(incident=incident, by=technician.user, at=later)
    incident.refresh_from_db()
    assert incident.next_update_at == later


def test_the_report_is_published_only_once_resolved_and_written(incident, technician):
    user = technician.user
    publish(incident, user)
    with pytest.raises(ValidationError, match="résolu"):
        services.pir_publish(incident=incident, by=user)
    publish(incident, user, kind="resolution")
    incident.refresh_from_db()
    with pytest.raises(ValidationError, match="cause racine"):
        services.pir_publish(incident=incident, by=user)

    services.pir_save(incident=incident, by=user, impact="Messagerie coupée", root_cause="Disque")
    pir = services.pir_publish(incident=incident, by=user)
    assert pir.published and pir.published_at

    services.pir_unpublish(incident=incident, by=user)
    pir.refresh_from_db()
    assert not pir.published
