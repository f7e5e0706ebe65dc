"""Self-service webhook subscriptions: create, read, change, delete, delivery log; tenant scope
and the SSRF guard on client-chosen URLs."""

import hashlib
import hmac
import json

import pytest

from api import tasks
from api.models import WebhookDelivery, WebhookSubscription
from tests.api.test_webhooks import receiver  # noqa: F401 - the loopback endpoint fixture
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db

WEBHOOKS = "/api/v1/webhooks/"
PUBLIC = "https://93.184.215.14/oceanis"  # a public address literal: no DNS, never contacted


def test_an_integration_subscribes_and_receives_signed_deliveries(staff_api, acme, receiver):  # noqa: F811
    response = staff_api.post(
        WEBHOOKS,
        {"name": "CRM", "url": receiver.url, "events": ["ticket.created", "ticket.created"]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["events"] == ["ticket.created"] and body["client"] is None
    secret = body["secret"]
    assert "secret" not in staff_api.get(f"{WEBHOOKS}{body['id']}/").json()  # shown once

    ticket = make_ticket(client=acme)
    tasks.webhooks_fan_out(ticket.events.get().pk)
    ((headers, raw),) = receiver.requests
    stamp, signature = (part.split("=", 1)[1] for part in headers["X-Oceanis-Signature"].split(","))
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256).hexdigest()
    assert signature == expected
    assert json.loads(raw)["ticket"]["reference"] == ticket.reference

    log = staff_api.get(f"{WEBHOOKS}{body['id']}/deliveries/").json()["results"]
    assert [(d["event_type"], d["status"], d["response_status"]) for d in log] == [
        ("ticket.created", "sent", 200)
    ]


def test_a_subscription_is_changed_and_deleted(staff_api):
    created = staff_api.post(
        WEBHOOKS, {"name": "CRM", "url": PUBLIC, "events": ["ticket.closed"]}, format="json"
    ).json()
    url = f"{WEBHOOKS}{created['id']}/"
    changed = staff_api.patch(url, {"events": ["ticket.closed", "ticket.created"], "active": False})
    assert changed.status_code == 200
    assert changed.json()["events"] == ["ticket.closed", "ticket.created"]
    assert changed.json()["active"] is False
    assert staff_api.put(url, {}, format="json").status_code == 405
    assert staff_api.delete(url).status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"name": "x", "url": PUBLIC, "events": []}, "events"),
        ({"name": "x", "url": PUBLIC, "events": ["ticket.exploded"]}, "events"),
        ({"name": "x", "url": "pas une url", "events": ["ticket.closed"]}, "url"),
        ({"name": "x", "url": PUBLIC, "events": ["ticket.closed"], "client": "nope"}, "client"),
    ],
)
def test_bad_subscriptions_get_400_on_the_field(staff_api, payload, field):
    response = staff_api.post(WEBHOOKS, payload, format="json")
    assert response.status_code == 400
    assert [k for k in response.json()["fields"] if k.split(".")[0] == field]  # events.0 too
    assert not WebhookSubscription.objects.exists()


def test_a_client_token_subscribes_only_its_own_client(acme_api, acme, globex):
    response = acme_api.post(
        WEBHOOKS,
        {"name": "Outil ACME", "url": PUBLIC, "events": ["ticket.closed"], "client": "globex"},
        format="json",
    )
    assert response.status_code == 400  # globex is unknown to this token
    assert "client" in response.json()["fields"]
    response = acme_api.post(
        WEBHOOKS, {"name": "Outil ACME", "url": PUBLIC, "events": ["ticket.closed"]}, format="json"
    )
    assert response.status_code == 201 and response.json()["client"] == "acme"


def test_a_client_token_never_sees_nor_touches_other_subscriptions(
    staff_api, acme_api, acme, globex
):
    theirs = WebhookSubscription.objects.create(
        name="Globex", url=PUBLIC, events=["ticket.closed"], client=globex
    )
    oceanis = WebhookSubscription.objects.create(
        name="Oceanis", url="http://10.0.0.8/hook", events=["ticket.closed"]
    )
    mine = WebhookSubscription.objects.create(
        name="ACME", url=PUBLIC, events=["ticket.closed"], client=acme
    )
    listed = [s["id"] for s in acme_api.get(WEBHOOKS).json()["results"]]
    assert listed == [mine.pk]
    for other in (theirs, oceanis):
        url = f"{WEBHOOKS}{other.pk}/"
        assert acme_api.get(url).status_code == 404
        assert acme_api.get(f"{url}deliveries/").status_code == 404
        assert acme_api.patch(url, {"active": False}, format="json").status_code == 404
        assert acme_api.delete(url).status_code == 404
    assert WebhookSubscription.objects.filter(active=True).count() == 3
    assert len(staff_api.get(WEBHOOKS).json()["results"]) == 3


@pytest.mark.parametrize(
    "url",
    [
        "http://93.184.215.14/hook",  # not HTTPS
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.1.10:8443/hook",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://[::1]/hook",
        "https://0.0.0.0/hook",
        "https://host.invalid/hook",  # cannot be resolved
    ],
)
def test_a_client_token_cannot_point_deliveries_inside_oceanis_network(acme_api, url):
    response = acme_api.post(
        WEBHOOKS, {"name": "SSRF", "url": url, "events": ["ticket.closed"]}, format="json"
    )
    assert response.status_code == 400
    assert "url" in response.json()["fields"]
    assert not WebhookSubscription.objects.exists()


def test_a_client_token_cannot_move_its_subscription_inside_either(acme_api, acme):
    mine = WebhookSubscription.objects.create(
        name="ACME", url=PUBLIC, events=["ticket.closed"], client=acme
    )
    response = acme_api.patch(
        f"{WEBHOOKS}{mine.pk}/", {"url": "https://10.0.0.1/hook"}, format="json"
    )
    assert response.status_code == 400
    mine.refresh_from_db()
    assert mine.url == PUBLIC


def test_the_lists_cost_a_fixed_number_of_queries(
    staff_api, acme, globex, django_assert_num_queries
):
    for client in (acme, globex, None):
        subscription = WebhookSubscription.objects.create(
            name=f"S{client}", url=PUBLIC, events=["ticket.created"], client=client
        )
    for _ in range(3):
        make_ticket(client=acme)  # its creation writes the delivery rows
    staff_api.get(WEBHOOKS)  # last_used_at written once
    with django_assert_num_queries(2):  # token + page with clients
        assert len(staff_api.get(WEBHOOKS).json()["results"]) == 3
    with django_assert_num_queries(3):  # token + subscription + page of deliveries
        response = staff_api.get(f"{WEBHOOKS}{subscription.pk}/deliveries/")
    assert len(response.json()["results"]) == 3


def test_a_redirecting_endpoint_is_a_failed_attempt_not_a_detour(staff_api, acme, receiver):  # noqa: F811
    """Were redirects followed, a subscriber could send the worker to an internal address."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(302)
            self.send_header("Location", receiver.url)  # the "internal" service
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        WebhookSubscription.objects.create(
            name="Rebond",
            url=f"http://127.0.0.1:{server.server_port}/hook",
            events=["ticket.created"],
        )
        ticket = make_ticket(client=acme)
        tasks.webhooks_fan_out(ticket.events.get().pk)
    finally:
        server.shutdown()
        server.server_close()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.response_status, delivery.last_error) == (302, "HTTP 302")
    assert delivery.status == WebhookDelivery.Status.PENDING  # retried later, never followed
    assert receiver.requests == []


def test_settled_deliveries_older_than_the_retention_are_pruned(acme, settings):
    import datetime as dt

    from django.utils import timezone

    from api.tasks import prune_deliveries

    settings.WEBHOOK_DELIVERY_RETENTION_DAYS = 30
    subscription = WebhookSubscription.objects.create(
        name="CRM", url=PUBLIC, events=["ticket.created"]
    )
    now = timezone.now()
    rows = {}
    for name, age, status in [
        ("old_sent", 40, WebhookDelivery.Status.SENT),
        ("old_failed", 40, WebhookDelivery.Status.FAILED),
        ("old_pending", 40, WebhookDelivery.Status.PENDING),  # still to deliver: kept
        ("recent_sent", 10, WebhookDelivery.Status.SENT),
    ]:
        # The ticket's creation writes the row; then it is aged and settled as the case says.
        rows[name] = WebhookDelivery.objects.get(
            subscription=subscription, event=make_ticket(client=acme).events.get()
        )
        WebhookDelivery.objects.filter(pk=rows[name].pk).update(
            status=status, created_at=now - dt.timedelta(days=age)
        )
    assert prune_deliveries(now=now) == 2
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {
        rows["old_pending"].pk,
        rows["recent_sent"].pk,
    }


def test_a_ping_sends_a_signed_test_event_now(staff_api, acme_api, acme, receiver):  # noqa: F811
    created = staff_api.post(
        WEBHOOKS, {"name": "CRM", "url": receiver.url, "events": ["ticket.closed"]}, format="json"
    ).json()
    answer = staff_api.post(f"{WEBHOOKS}{created['id']}/ping/")
    assert answer.status_code == 200
    assert answer.json() == {"delivered": True, "response_status": 200, "error": ""}
    ((headers, raw),) = receiver.requests
    assert headers["X-Oceanis-Event"] == "ping" and json.loads(raw)["event"] == "ping"
    stamp, signature = (part.split("=", 1)[1] for part in headers["X-Oceanis-Signature"].split(","))
    expected = hmac.new(
        created["secret"].encode(), f"{stamp}.".encode() + raw, hashlib.sha256
    ).hexdigest()
    assert signature == expected
    assert not WebhookDelivery.objects.exists()  # a test, not a delivery
    receiver.status = 503
    assert staff_api.post(f"{WEBHOOKS}{created['id']}/ping/").json() == {
        "delivered": False,
        "response_status": 503,
        "error": "HTTP 503",
    }
    assert acme_api.post(f"{WEBHOOKS}{created['id']}/ping/").status_code == 404  # not theirs


@pytest.mark.parametrize("url", ["https://10.0.0.9/hook", "http://93.184.215.14/hook"])
def test_a_client_endpoint_moved_inside_is_refused_at_delivery_too(acme, url):
    """Checked again before each delivery: the URL may have been changed in the admin, or the
    name re-pointed, since the subscription was written."""
    WebhookSubscription.objects.create(name="ACME", url=url, events=["ticket.created"], client=acme)
    tasks.webhooks_fan_out(make_ticket(client=acme).events.get().pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.response_status is None
    assert "HTTPS" in delivery.last_error or "interne" in delivery.last_error
