"""The API has no format suffixes: `.json` paths and unknown paths answer the JSON 404 shape.

The suffixes were never documented; with them the extra actions answered 500 (`unexpected keyword
argument 'format'`).
"""

import pytest

from api.models import WebhookSubscription
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db

NOT_FOUND = {"error": "not_found", "fields": {}}


def _is_json_404(response):
    assert response.status_code == 404, response.content[:200]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert {k: body[k] for k in NOT_FOUND} == NOT_FOUND and body["detail"]
    return True


@pytest.fixture
def ticket(acme):
    return make_ticket(client=acme)


@pytest.fixture
def webhook(db):
    return WebhookSubscription.objects.create(
        name="CRM", url="https://93.184.215.14/hook", events=["ticket.created"]
    )


@pytest.mark.parametrize(
    "method,suffixed",
    [
        ("get", "/api/v1/tickets/{ref}/sla.json/"),
        ("get", "/api/v1/tickets/{ref}/timeline.json/"),
        ("post", "/api/v1/tickets/{ref}/timeline.json/"),
        ("post", "/api/v1/tickets/{ref}/reopen.json/"),
        ("get", "/api/v1/tickets/{ref}.json/"),
        ("get", "/api/v1/tickets.json/"),
        ("get", "/api/v1/webhooks/{hook}/deliveries.json/"),
        ("post", "/api/v1/webhooks/{hook}/ping.json/"),
        ("get", "/api/v1/sites.json/"),
    ],
)
def test_a_json_suffix_is_a_json_404_not_a_500(staff_api, ticket, webhook, method, suffixed):
    url = suffixed.format(ref=ticket.reference, hook=webhook.pk)
    assert _is_json_404(getattr(staff_api, method)(url, {}, format="json"))


def test_the_unsuffixed_actions_still_answer(staff_api, ticket, webhook):
    assert staff_api.get(f"/api/v1/tickets/{ticket.reference}/sla/").status_code == 200
    assert staff_api.get(f"/api/v1/tickets/{ticket.reference}/timeline/").status_code == 200
    assert staff_api.get(f"/api/v1/webhooks/{webhook.pk}/deliveries/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/v1/nope/", "/api/v1/tickets/OC-2026-1/unknown/", "/api/v1/a/b/c/"]
)
def test_an_unknown_api_path_is_a_json_404_for_anyone(client, staff_api, path):
    assert _is_json_404(client.get(path))
    assert _is_json_404(staff_api.get(path))
    assert _is_json_404(client.post(path, {}))  # no CSRF failure page either


def test_a_path_without_its_slash_is_still_redirected(client):
    response = client.get("/api/v1/tickets")
    assert response.status_code == 301 and response["Location"] == "/api/v1/tickets/"
