"""The OpenAPI schema and the doc pages (schemathesis runs against it in test_schemathesis.py)."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

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
