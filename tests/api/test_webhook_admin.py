"""An operator sends a dead-lettered webhook again from the admin; the log stays read-only."""

import json

import pytest
from django.urls import reverse

from api import tasks
from api.models import WebhookDelivery
from tests.api.test_webhooks import Receiver, subscribe
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@pytest.fixture(autouse=True)
def _api_only_urls(settings):
    settings.ROOT_URLCONF = "oceanis.urls"  # this module drives the admin, not only the API


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def test_a_failed_webhook_is_sent_again_from_the_admin_with_its_delivery_id(
    admin_client, acme, receiver
):
    subscribe(receiver.url, events=["ticket.created"])
    ticket = make_ticket(client=acme)
    row = WebhookDelivery.objects.get(event__ticket=ticket)
    WebhookDelivery.objects.filter(pk=row.pk).update(
        status=Status.FAILED, attempts=8, last_error="HTTP 503"
    )

    url = reverse("admin:api_webhookdelivery_changelist")
    page = admin_client.get(url)
    assert "HTTP 503" in page.content.decode()
    response = admin_client.post(
        url, {"action": "resend_now", "_selected_action": [row.pk]}, follow=True
    )
    assert "1 envoi relancé" in response.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 0)

    tasks.webhooks_sweep.run()  # the sweeper takes re-queued rows: no broker needed
    row.refresh_from_db()
    assert row.status == Status.SENT
    headers, body = receiver.requests[-1]
    assert headers["X-Oceanis-Delivery"] == str(row.delivery_key)
    assert json.loads(body)["ticket"]["reference"] == ticket.reference


def test_the_webhook_log_cannot_be_edited_or_deleted_in_the_admin(admin_client, acme, receiver):
    subscribe(receiver.url, events=["ticket.created"])
    row = WebhookDelivery.objects.get(event__ticket=make_ticket(client=acme))
    change = admin_client.get(reverse("admin:api_webhookdelivery_change", args=[row.pk]))
    assert 'name="status"' not in change.content.decode()
    delete = admin_client.get(reverse("admin:api_webhookdelivery_delete", args=[row.pk]))
    assert delete.status_code == 403
