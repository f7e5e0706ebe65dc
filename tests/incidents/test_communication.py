"""Communications reach exactly the affected clients' people, once each, with retries."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from incidents import delivery
from incidents.communication import default_subject, render_template_body
from incidents.models import IncidentMessageDelivery
from incidents.tasks import sweep_incident_deliveries
from oceanis import delivery as outbox

from .helpers import publish

pytestmark = pytest.mark.django_db

Status = IncidentMessageDelivery.Status


def test_a_communication_reaches_exactly_the_affected_clients_contacts(
    incident, tenants, technician, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publish(incident, technician.user)

    recipients = sorted(address for mail in mailoutbox for address in mail.to)
    assert recipients == [
        "alice@alpha.test",
        "bob@alpha.test",
        "info@alpha.test",
        "ops@alpha.test",
    ]
    # One mail per address: a client never sees another recipient's address.
    assert all(len(mail.to) == 1 and not mail.cc and not mail.bcc for mail in mailoutbox)
    assert not any("bravo" in address for address in recipients)
    assert mailoutbox[0].extra_headers["X-Oceanis-Incident"] == incident.reference
    assert set(IncidentMessageDelivery.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_second_affected_client_gets_its_own_mails_and_an_unaffected_one_nothing(
    incident, tenants, technician, mailoutbox, django_capture_on_commit_callbacks
):
    from incidents.services import incident_add_client
    from tests.factories import ClientFactory, ContactFactory

    third = ClientFactory(name="Charlie", code="charlie")
    ContactFactory(client=third, email="dan@charlie.test")
    incident_add_client(incident=incident, client=tenants["other"], by=technician.user)

    with django_capture_on_commit_callbacks(execute=True):
        publish(incident, technician.user)

    recipients = {address for mail in mailoutbox for address in mail.to}
    assert {"bruno@bravo.test", "carla@bravo.test"} <= recipients
    assert "dan@charlie.test" not in recipients
    rows = IncidentMessageDelivery.objects.values_list("recipient", "client__code")
    assert all(address.endswith(f"@{code}.test") for address, code in rows)


def test_running_the_delivery_twice_never_sends_twice(
    incident, technician, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = publish(incident, technician.user)
    sent = len(mailoutbox)

    assert delivery.deliver_due(message_id=message.pk) == 0
    assert sweep_incident_deliveries() == 0
    assert len(mailoutbox) == sent == 4


def test_a_failed_send_is_retried_with_backoff_then_marked_failed(
    incident, technician, mailoutbox, settings
):
    settings.INCIDENT_MAIL_RETRY_BASE_SECONDS = 60
    message = publish(incident, technician.user)  # on_commit not run: rows stay pending
    now = timezone.now()
    with mock.patch.object(delivery.EmailMessage, "send", side_effect=OSError("SMTP down")):
        assert delivery.deliver_due(now=now) == 0
    rows = IncidentMessageDelivery.objects.filter(message=message)
    assert {(r.status, r.attempts) for r in rows} == {(Status.PENDING, 1)}
    assert all("SMTP down" in r.last_error for r in rows)
    # One minute, within the ±20 % jitter that spreads retries after an outage.
    assert all(
        dt.timedelta(seconds=48) <= r.next_attempt_at - now <= dt.timedelta(seconds=72)
        for r in rows
    )

    # Not due yet: the backoff is respected.
    assert delivery.deliver_due(now=now + dt.timedelta(seconds=30)) == 0
    assert delivery.deliver_due(now=now + dt.timedelta(minutes=2)) == 4
    assert len(mailoutbox) == 4

    # A recipient whose every attempt fails ends up failed, with its error kept.
    row = rows.first()
    IncidentMessageDelivery.objects.filter(pk=row.pk).update(
        status=Status.PENDING, attempts=settings.INCIDENT_MAIL_MAX_ATTEMPTS - 1, next_attempt_at=now
    )
    with mock.patch.object(delivery.EmailMessage, "send", side_effect=OSError("refused")):
        delivery.deliver_due(now=now + dt.timedelta(minutes=3))
    row.refresh_from_db()
    assert row.status == Status.FAILED and "refused" in row.last_error


def test_a_delivery_claimed_by_a_dead_worker_is_sent_by_the_sweeper_once_its_lease_ends(
    incident, technician, mailoutbox, settings
):
    settings.INCIDENT_MAIL_LEASE_SECONDS = 600
    publish(incident, technician.user)
    now = timezone.now()
    # A worker claims the mails, then dies before sending anything.
    claimed = outbox.claim_due(IncidentMessageDelivery, policy=delivery.policy(), now=now)
    assert len(claimed) == 4

    assert delivery.deliver_due(now=now + dt.timedelta(minutes=9)) == 0  # lease still running
    assert delivery.deliver_due(now=now + dt.timedelta(minutes=10, seconds=1)) == 4
    assert len(mailoutbox) == 4
    # Same Message-ID as the dead worker would have used: a copy is dropped by mail clients.
    assert {m.extra_headers["Message-ID"] for m in mailoutbox} == {
        delivery.message_id(row) for row in claimed
    }


def test_a_mail_is_a_dead_letter_after_the_last_attempt(incident, technician, mailoutbox, settings):
    settings.INCIDENT_MAIL_MAX_ATTEMPTS = 3
    publish(incident, technician.user)
    now = timezone.now()
    with mock.patch.object(delivery.EmailMessage, "send", side_effect=OSError("mailbox full")):
        for hour in range(4):
            delivery.deliver_due(now=now + dt.timedelta(hours=hour))
    rows = IncidentMessageDelivery.objects.all()
    assert {(r.status, r.attempts) for r in rows} == {(Status.FAILED, 3)}
    assert all("mailbox full" in r.last_error for r in rows)
    assert delivery.deliver_due(now=now + dt.timedelta(days=1)) == 0  # never retried again
    assert mailoutbox == []


def test_templates_are_french_and_filled_with_the_incident(incident):
    nxt = timezone.now() + dt.timedelta(minutes=30)
    body = render_template_body(incident, "initial", next_update_at=nxt)
    assert "Panne de la messagerie hébergée" in body
    assert "- Messagerie Exchange" in body and "- Webmail" in body
    assert "Prochain point de situation au plus tard le" in body
    assert "résolu" in render_template_body(incident, "resolution")
    assert default_subject(incident, "update").startswith("[Oceanis] Point de situation")
