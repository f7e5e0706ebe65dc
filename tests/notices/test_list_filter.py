"""The notices' ``unread`` filter is one django-filter FilterSet for the page and the API: the
page reports a bad value and ignores it, the API answers 400 naming it and documents the
parameter (a boolean) in its schema from the FilterSet."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from notices.models import Notice
from tests.notices.test_web import make_notices

INVALID = "Certains filtres sont invalides et ont été ignorés."


@pytest.fixture
def tech_client(client, owner):
    client.force_login(owner.user)
    return client


def test_the_page_lists_only_unread_ones_on_request(tech_client, owner):
    make_notices(owner.user, 3)
    Notice.objects.filter(source="test:0").update(read_at="2026-01-01T00:00Z")
    html = tech_client.get(reverse("notices:list"), {"unread": "1"}).content.decode()
    assert html.count('class="notice notice--unread"') == 2
    assert 'id="notice-{}"'.format(Notice.objects.get(source="test:0").pk) not in html
    assert INVALID not in html


def test_a_bad_unread_value_is_reported_on_the_page_and_ignored(tech_client, owner):
    make_notices(owner.user, 3)
    Notice.objects.filter(source="test:0").update(read_at="2026-01-01T00:00Z")
    response = tech_client.get(reverse("notices:list"), {"unread": "peut-être"})
    assert response.status_code == 200
    html = response.content.decode()
    assert INVALID in html
    assert 'id="notice-{}"'.format(Notice.objects.get(source="test:0").pk) in html


def test_the_api_reads_false_as_no_filter(owner):
    make_notices(owner.user, 3)
    Notice.objects.filter(source="test:0").update(read_at="2026-01-01T00:00Z")
    api = APIClient()
    api.force_login(owner.user)
    assert len(api.get("/api/v1/me/notifications/", {"unread": "false"}).json()["results"]) == 3
    assert len(api.get("/api/v1/me/notifications/", {"unread": "TRUE"}).json()["results"]) == 2


def test_the_schema_documents_unread_as_a_boolean_from_the_filterset(db):
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    parameters = schema["paths"]["/api/v1/me/notifications/"]["get"]["parameters"]
    by_name = {parameter["name"]: parameter for parameter in parameters}
    assert by_name["unread"]["schema"] == {"type": "boolean"}
    assert by_name["unread"]["in"] == "query"
    assert {"cursor", "page_size"} <= set(by_name)
