"""Tokens issued before scopes existed keep exactly the rights they had (api migration 0003)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from api.models import hash_token
from tests.api.conftest import bearer
from tests.factories import ContractFactory, TechnicianFactory, UserFactory, make_ticket

BEFORE = [("api", "0002_webhook_payload")]
AFTER = [("api", "0003_token_scopes")]


@pytest.fixture
def before_scopes(transactional_db):
    """The database as it was before scopes; migrated forward to the latest state afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _old_token(apps, name, raw, *, user, client=None):
    OldToken = apps.get_model("api", "ApiToken")
    return OldToken.objects.create(
        name=name,
        prefix=raw[:11],
        key_hash=hash_token(raw),
        user_id=user.pk,
        client_id=client.pk if client else None,
    )


def test_existing_tokens_get_todays_rights_and_keep_working(before_scopes, settings):
    apps = before_scopes
    acme = ContractFactory(client__code="acme").client
    service = UserFactory(username="api-telephonie")
    person = TechnicianFactory().user
    _old_token(apps, "Téléphonie", "oc_staff-wide-before-scopes", user=service)
    _old_token(apps, "Poste", "oc_personal-before-scopes", user=person)
    _old_token(apps, "Outil ACME", "oc_client-before-scopes", user=UserFactory(), client=acme)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    NewToken = executor.loader.project_state(AFTER).apps.get_model("api", "ApiToken")
    scopes = dict(NewToken.objects.values_list("name", "scopes"))
    personal = dict(NewToken.objects.values_list("name", "acts_for_person"))
    assert personal == {"Téléphonie": False, "Poste": True, "Outil ACME": False}
    integration = [
        "tickets:read",
        "tickets:write",
        "tickets:workflow",
        "alerts:write",
        "webhooks:manage",
        "directory:read",
        "oncall:read",
        "oncall:write",
    ]
    assert scopes == {
        "Téléphonie": integration,
        "Poste": integration[:6] + ["notifications:read"] + integration[6:],
        "Outil ACME": integration[:6],
    }

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    settings.ROOT_URLCONF = "oceanis.urls"
    ticket = make_ticket(client=acme)
    staff, client = bearer("oc_staff-wide-before-scopes"), bearer("oc_client-before-scopes")
    assert staff.get("/api/v1/technicians/").status_code == 200
    assert staff.get("/api/v1/oncall/now").status_code == 200
    assert bearer("oc_personal-before-scopes").get("/api/v1/me/notifications/").status_code == 200
    assert client.get(f"/api/v1/tickets/{ticket.reference}/").status_code == 200
    assert client.get("/api/v1/contacts/").status_code == 200
    entry = {"body": "Merci", "public": True}
    posted = client.post(f"/api/v1/tickets/{ticket.reference}/timeline/", entry, format="json")
    assert posted.status_code == 201
    # …and nothing more than before: a client token stays out of Oceanis-only routes.
    assert client.get("/api/v1/technicians/").status_code == 403
    assert client.get("/api/v1/oncall/now").status_code == 403
