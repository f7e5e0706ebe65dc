"""The outbox and the inbound messages in the admin, with their actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.inbound.service import inbound_receive
from notifications.models import InboundMessage, Notification
from notifications.services import outbox
from tests.factories import ContactFactory, make_ticket

from .corpus import raw

pytestmark = pytest.mark.django_db


def _failed_rows(contact, count):
    for _ in range(count):
        ticket = make_ticket(client=contact.client, contact=contact)
        outbox.plan_event(ticket.events.get().pk)
    Notification.objects.update(status="failed", last_error="SMTPServerDisconnected: gone")


@pytest.mark.parametrize("count", [1, 6])
def test_the_outbox_lists_status_and_last_error_in_constant_queries(
    admin_client, contact, count, django_assert_max_num_queries
):
    _failed_rows(contact, count)
    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:notifications_notification_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "SMTPServerDisconnected: gone" in content and "Échec" in content


def test_retry_now_from_the_admin_sends_the_failed_mails(admin_client, contact, mailoutbox):
    _failed_rows(contact, 1)
    rows = list(Notification.objects.values_list("pk", flat=True))
    response = admin_client.post(
        reverse("admin:notifications_notification_changelist"),
        {"action": "retry_now", "_selected_action": rows},
        follow=True,
    )
    assert "3 envois relancés." in response.content.decode()
    assert len(mailoutbox) == 3
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_a_dead_letter_resent_from_the_admin_keeps_its_message_id(
    admin_client, contact, mailoutbox
):
    _failed_rows(contact, 1)
    row = Notification.objects.get(recipient="marie.dupont@acme.test")
    Notification.objects.filter(pk=row.pk).update(message_id="<first-try@oceanis.test>")
    url = reverse("admin:notifications_notification_changelist")
    listing = admin_client.get(url, {"status__exact": "failed"}).content.decode()
    assert "Renvoyer maintenant" in listing and "marie.dupont@acme.test" in listing
    admin_client.post(url, {"action": "retry_now", "_selected_action": [row.pk]})
    (sent,) = mailoutbox
    assert sent.extra_headers["Message-ID"] == "<first-try@oceanis.test>"
    row.refresh_from_db()
    assert (row.status, row.message_id) == ("sent", "<first-try@oceanis.test>")


def test_inbound_messages_are_listed_and_triage_can_be_reprocessed(admin_client, acme):
    for name in ("14-unknown-sender.eml", "15-garbage-not-a-message.eml", "09-bounce-dsn.eml"):
        inbound_receive(raw(name), "imap")
    url = reverse("admin:notifications_inboundmessage_changelist")
    response = admin_client.get(url, {"status__exact": "triage"})
    assert response.status_code == 200 and "paul.inconnu@gmail.com" in response.content.decode()
    ContactFactory(client=acme, email="paul.inconnu@gmail.com")
    triage = InboundMessage.objects.get(status="triage")
    admin_client.post(url, {"action": "reprocess", "_selected_action": [triage.pk]})
    triage.refresh_from_db()
    assert triage.status == "processed" and triage.ticket is not None
    detail = admin_client.get(
        reverse("admin:notifications_inboundmessage_change", args=[triage.pk])
    )
    assert detail.status_code == 200 and "CAJx8mQ5unknownSender0001" in detail.content.decode()
