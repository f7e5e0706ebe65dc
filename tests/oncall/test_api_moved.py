"""The on-call API lives under /api/v1/oncall/; its old /oncall/api/ paths answer a 308."""

import pytest
import time_machine
from django.test import Client as HttpClient
from django.urls import reverse

from api.services import token_create
from oncall.models import AckVia, Page, PageState
from tests.factories import make_ticket
from tests.oncall.conftest import paris

pytestmark = pytest.mark.django_db

SATURDAY_3AM = paris(2026, 10, 3, 3, 0)


@pytest.fixture
def page(rotation, client_24x7, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(SATURDAY_3AM, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        ticket = make_ticket(client=client_24x7, urgency="critical", title="Baie SAN en alarme")
    return Page.objects.get(ticket=ticket)


def test_the_on_call_api_is_mounted_under_api_v1():
    assert reverse("api:oncall_now") == "/api/v1/oncall/now"
    assert reverse("api:oncall_page_ack", args=[7]) == "/api/v1/oncall/pages/7/ack/"


def test_the_old_rota_path_redirects_with_its_query_string(client):
    response = client.get("/oncall/api/now?at=2026-10-03T03:00:00Z")
    assert response.status_code == 308
    assert response["Location"] == "/api/v1/oncall/now?at=2026-10-03T03:00:00Z"


def test_an_integration_posting_to_the_old_ack_path_still_acknowledges(page):
    _, raw = token_create(name="Téléphonie", scopes=["oncall:write"])
    phone = HttpClient(enforce_csrf_checks=True)  # an integration sends no CSRF token
    old = f"/oncall/api/pages/{page.pk}/ack/"
    moved = phone.post(
        old, {"technician": page.target.pk}, "application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert moved.status_code == 308
    assert moved["Location"] == f"/api/v1/oncall/pages/{page.pk}/ack/"

    response = phone.post(
        old,
        {"technician": page.target.pk},
        "application/json",
        follow=True,
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.redirect_chain == [(f"/api/v1/oncall/pages/{page.pk}/ack/", 308)]
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    page.refresh_from_db()
    assert (page.state, page.ack_via) == (PageState.ACKNOWLEDGED, AckVia.API)
    assert page.acknowledged_by == page.target.user


def test_the_old_ack_path_does_not_bypass_the_session_csrf_rule(boss, page):
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(boss.user)
    response = browser.post(f"/oncall/api/pages/{page.pk}/ack/", follow=True)
    assert response.status_code == 403
    page.refresh_from_db()
    assert page.state == PageState.OPEN


def test_errors_under_api_v1_oncall_have_the_common_shape(client, boss):
    client.force_login(boss.user)
    bad = client.get(reverse("api:oncall_now"), {"at": "demain"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"error", "detail", "fields"} and bad.json()["error"] == "invalid"
    missing = client.post(reverse("api:oncall_page_ack", args=[999999]))
    assert missing.status_code == 404
    assert set(missing.json()) == {"error", "detail", "fields"}
    unknown = client.get("/api/v1/oncall/nothing-here/")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
