"""GET /api/v1/me/notifications/ and marking read: the caller's own notices only."""

import pytest
from rest_framework.test import APIClient

from api.scopes import CLIENT_SCOPES, INTEGRATION_SCOPES
from api.services import token_create
from notices.models import Notice
from tests.factories import TechnicianFactory
from tests.notices.test_web import make_notices

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/notifications/"


@pytest.fixture
def api(owner):
    client = APIClient()
    client.force_login(owner.user)
    return client


def bearer(raw):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_staff_session_lists_its_notices_with_the_documented_fields(
    api, owner, ticket, django_assert_num_queries
):
    make_notices(owner.user, 2)
    with django_assert_num_queries(3):  # session, user, one page (cursor: no count)
        response = api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"next", "previous", "results"}
    first = body["results"][0]
    assert set(first) >= {"id", "kind", "ticket", "created_at", "unread", "title", "url"}
    assigned = [r for r in body["results"] if r["ticket"] == ticket.reference]
    assert assigned and assigned[0]["kind"] == "assigned"
    assert assigned[0]["title"] == f"{ticket.reference} vous est affectée"
    assert assigned[0]["url"] == f"/tickets/{ticket.reference}/"
    assert all(r["ticket"] is None for r in body["results"] if r["id"] != assigned[0]["id"])


def test_unread_filter_and_pagination(api, owner):
    make_notices(owner.user, 5)
    Notice.objects.filter(source="test:0").update(read_at="2026-01-01T00:00Z")
    assert len(api.get(URL, {"unread": "true"}).json()["results"]) == 4
    page = api.get(URL, {"page_size": 2}).json()
    assert len(page["results"]) == 2 and page["next"]
    rest = api.get(page["next"]).json()
    assert not {r["id"] for r in rest["results"]} & {r["id"] for r in page["results"]}
    bad = api.get(URL, {"unread": "peut-être"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"error", "detail", "fields"}
    assert "unread" in bad.json()["fields"]


def test_a_token_issued_to_a_staff_user_acts_as_that_user(owner):
    make_notices(owner.user, 1)
    _token, raw = token_create(
        name="Mon poste", scopes=["notifications:read"], acting_as=owner.user
    )
    response = bearer(raw).get(URL)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("who", ["client_token", "service_token", "contact"])
def test_client_contacts_and_tokens_without_a_staff_user_get_403(who, contact, owner):
    make_notices(owner.user, 1)
    if who == "client_token":
        _token, raw = token_create(name="Client", client=contact.client, scopes=CLIENT_SCOPES)
        client = bearer(raw)
    elif who == "service_token":
        _token, raw = token_create(name="Téléphonie", scopes=INTEGRATION_SCOPES)
        client = bearer(raw)
    else:
        client = APIClient()
        client.force_login(contact.user)
    response = client.get(URL)
    assert response.status_code == 403
    assert set(response.json()) == {"error", "detail", "fields"}
    assert response.json()["error"] == "permission_denied"


def test_anonymous_gets_401():
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert set(response.json()) == {"error", "detail", "fields"}


def test_mark_read_and_read_all_touch_only_the_callers_notices(api, owner):
    other = TechnicianFactory(user__username="other")
    make_notices(owner.user, 3)
    make_notices(other.user, 1)
    mine = Notice.objects.filter(recipient=owner.user).first()
    theirs = Notice.objects.get(recipient=other.user)
    response = api.post(f"{URL}{mine.pk}/read/")
    assert response.status_code == 200
    assert response.json()["unread"] is False
    missing = api.post(f"{URL}{theirs.pk}/read/")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    assert api.post(f"{URL}read-all/").json() == {"marked": 2}
    theirs.refresh_from_db()
    assert theirs.unread
    assert not api.get(URL, {"unread": "true"}).json()["results"]


def test_the_schema_documents_the_endpoints():
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert "get" in paths["/api/v1/me/notifications/"]
    assert "post" in paths["/api/v1/me/notifications/{id}/read/"]
    assert "post" in paths["/api/v1/me/notifications/read-all/"]
    assert "unread" in schema["components"]["schemas"]["Notice"]["properties"]
