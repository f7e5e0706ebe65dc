"""Token revocation in the admin goes through ``token_revoke``; tokens are never deleted there
(the row is the audit trail of an integration's access)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from api.models import ApiToken
from api.services import token_create
from tests.api.conftest import bearer

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:api_apitoken_changelist"


@pytest.fixture(autouse=True)
def _site_urls(settings):
    settings.ROOT_URLCONF = "oceanis.urls"


def test_revoking_keeps_the_first_revocation_instant_and_refuses_the_token(admin_client):
    token, raw = token_create(name="Supervision", scopes=["tickets:read"])
    first = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    for instant in (first, first + dt.timedelta(days=1)):
        with time_machine.travel(instant, tick=False):
            response = admin_client.post(
                reverse(CHANGELIST),
                {"action": "revoke", "_selected_action": [token.pk]},
                follow=True,
            )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at == first
    assert bearer(raw).get("/api/v1/tickets/").status_code == 401


def test_tokens_cannot_be_deleted_from_the_admin(admin_client):
    token, _raw = token_create(name="Supervision", scopes=["tickets:read"])
    assert "delete_selected" not in admin_client.get(reverse(CHANGELIST)).content.decode()
    delete = reverse("admin:api_apitoken_delete", args=[token.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()
