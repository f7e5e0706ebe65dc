"""The authenticated inbound-mail endpoint (MTA pipe / provider webhook)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import InboundMessage
from tickets.models import Ticket

from .corpus import raw

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-inbound-token-0123456789abcdef"


@pytest.fixture
def token(settings):
    settings.INBOUND_MAIL_TOKEN = TOKEN
    return TOKEN


def _post(client, body: bytes, **headers):
    return client.post(
        reverse("notifications:inbound-mail"),
        data=body,
        content_type="message/rfc822",
        headers=headers,
    )


def test_the_endpoint_is_mounted_under_inbound():
    assert reverse("notifications:inbound-mail") == "/inbound/mail/"


def test_without_a_configured_token_the_endpoint_is_closed(client, settings):
    settings.INBOUND_MAIL_TOKEN = ""
    response = _post(client, raw("05-new-request-plain.eml"), Authorization="Bearer ")
    assert response.status_code == 503
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Basic {TOKEN}"},
        {"X-Inbound-Token": TOKEN.upper()},
    ],
)
def test_a_missing_or_wrong_token_is_401_and_stores_nothing(client, token, headers):
    response = _post(client, raw("05-new-request-plain.eml"), **headers)
    assert response.status_code == 401
    assert response.json() == {"error": "invalid or missing token"}
    assert InboundMessage.objects.count() == 0


def test_a_new_request_is_accepted_and_becomes_a_ticket(client, token, acme):
    response = _post(client, raw("05-new-request-plain.eml"), Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 202
    body = response.json()
    ticket = Ticket.objects.get()
    assert body["status"] == "processed" and body["ticket"] == ticket.reference
    assert body["duplicate"] is False
    assert InboundMessage.objects.get().source == "http"


def test_the_token_may_come_in_its_own_header(client, token, acme):
    response = _post(client, raw("05-new-request-plain.eml"), **{"X-Inbound-Token": TOKEN})
    assert response.status_code == 202


def test_the_same_message_posted_twice_is_a_200_duplicate(client, token, acme):
    _post(client, raw("05-new-request-plain.eml"), Authorization=f"Bearer {TOKEN}")
    response = _post(client, raw("05-new-request-plain.eml"), Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response.json()["duplicate"] is True
    assert Ticket.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_garbage_is_a_400_json_error_but_is_kept_as_a_failed_record(client, token):
    response = _post(client, raw("15-garbage-not-a-message.eml"), Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 400
    assert response.json()["status"] == "failed"
    assert "RFC 822" in response.json()["error"]
    kept = InboundMessage.objects.get()
    assert kept.status == "failed" and bytes(kept.raw) == raw("15-garbage-not-a-message.eml")


def test_an_empty_body_is_refused(client, token):
    response = _post(client, b"  \r\n", Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 400 and "empty body" in response.json()["error"]


def test_an_oversized_message_is_413(client, token, settings):
    settings.INBOUND_MAIL_MAX_BYTES = 100
    response = _post(client, raw("05-new-request-plain.eml"), Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 413
    assert InboundMessage.objects.count() == 0


def test_a_message_larger_than_djangos_upload_limit_is_accepted(client, token, acme, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    big = raw("05-new-request-plain.eml").replace(b"--=20", b"x" * 4000 + b"\r\n--=20")
    response = _post(client, big, Authorization=f"Bearer {TOKEN}")
    assert response.status_code == 202


def test_only_post_is_allowed(client, token):
    response = client.get(reverse("notifications:inbound-mail"), headers={"Authorization": TOKEN})
    assert response.status_code == 405


def test_triage_and_ignored_messages_are_reported_as_such(client, token, acme):
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert _post(client, raw("14-unknown-sender.eml"), **auth).json()["status"] == "triage"
    assert _post(client, raw("09-bounce-dsn.eml"), **auth).json()["status"] == "ignored"
    assert Ticket.objects.count() == 0


def test_entries_are_written_in_french_whatever_the_callers_language(client, token, acme):
    _post(
        client,
        raw("05-new-request-plain.eml"),
        Authorization=f"Bearer {TOKEN}",
        **{"Accept-Language": "en"},
    )
    assert Ticket.objects.get().description.startswith("Mail de ")
