"""The OpenAPI schema, the doc pages, and schemathesis fuzzing the live API against its schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.scopes import INTEGRATION_SCOPES
from api.tokens import token_create
from tests.factories import ContactFactory, SiteFactory, TechnicianFactory, make_ticket

pytestmark = pytest.mark.django_db

EXAMPLES = 5  # per operation: keeps the CI run to seconds

OPERATIONS = [
    ("get", "/api/v1/tickets/"),
    ("post", "/api/v1/tickets/"),
    ("get", "/api/v1/tickets/{reference}/"),
    ("patch", "/api/v1/tickets/{reference}/"),
    ("post", "/api/v1/tickets/{reference}/take/"),
    ("post", "/api/v1/tickets/{reference}/close/"),
    ("get", "/api/v1/tickets/{reference}/timeline/"),
    ("post", "/api/v1/tickets/{reference}/timeline/"),
    ("get", "/api/v1/tickets/{reference}/sla/"),
    ("post", "/api/v1/alerts/"),
    ("get", "/api/v1/clients/"),
    ("get", "/api/v1/technicians/"),
]


def test_the_schema_is_public_openapi_3_and_lists_every_endpoint():
    response = APIClient().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for method, path in OPERATIONS:
        assert method in paths[path], (method, path)
    for path in ("pending", "resume", "resolve", "reopen", "cancel", "escalate", "assign"):
        assert "post" in paths[f"/api/v1/tickets/{{reference}}/{path}/"]
    for resource in ("sites", "contacts", "contracts"):
        assert f"/api/v1/{resource}/{{id}}/" in paths
    assert schema["components"]["securitySchemes"]["apiToken"]["scheme"] == "bearer"


def test_every_operation_has_a_summary_and_documents_its_errors():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            assert operation.get("summary"), (method, path)
            assert "401" in operation["responses"], (method, path)
            error = operation["responses"]["401"]["content"]["application/json"]
            assert error["schema"]["$ref"].endswith("/Error"), (method, path)


def test_the_main_operations_carry_examples():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    assert paths["/api/v1/alerts/"]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ].keys() >= {"Générique", "Alertmanager", "Zabbix"}
    assert paths["/api/v1/tickets/"]["post"]["requestBody"]["content"]["application/json"][
        "examples"
    ]
    assert paths["/api/v1/tickets/"]["get"]["responses"]["400"]["content"]["application/json"][
        "examples"
    ]


@pytest.mark.parametrize("page", ["docs", "redoc"])
def test_the_doc_pages_load_their_assets_locally_not_from_a_cdn(page):
    response = APIClient().get(f"/api/v1/{page}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "jsdelivr" not in html


def test_the_live_api_never_fails_and_matches_its_schema(acme, monkeypatch):
    """schemathesis on every operation of the live schema (a few examples each, derandomized).

    Driven through hypothesis directly: schemathesis' lazy pytest fixture loader does not run
    under pytest 9 (it reads a removed private node attribute).
    """
    # Fuzzed subscriptions get fuzzed URLs: a ping must not leave the machine.
    monkeypatch.setattr("api.webhooks.post_signed", lambda *args, **kwargs: (204, ""))
    ContactFactory(client=acme)
    SiteFactory(client=acme)
    TechnicianFactory()
    ticket = make_ticket(client=acme)
    _token, raw = token_create(name="Schemathesis", scopes=INTEGRATION_SCOPES)
    headers = {"Authorization": f"Bearer {raw}"}
    # Like Django's test client: the WSGI handler must not close the test's DB connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi(
            "/api/v1/schema/?format=json", get_wsgi_application()
        )
        operations = [result.ok() for result in schema.get_all_operations()]
        _fuzz(operations, ticket.reference, headers)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(operations, reference, headers):
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    assert len(operations) == 37  # every path × method of the API

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            if "reference" in (case.path_parameters or {}) and len(str(case.body)) % 2:
                case.path_parameters["reference"] = reference  # a real one, half the time
            case.call_and_validate(headers=headers, checks=checks)

        run()
