"""What the schema documents, the server enforces: page size and cursor, JSON types, unknown
fields, fields absent for some callers (schemathesis checks the same at large in
test_schemathesis.py; these name each rule)."""

import base64

import pytest
from rest_framework.test import APIClient

from api.pagination import IdCursorPagination
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def schema():
    return APIClient().get("/api/v1/schema/?format=json").json()


@pytest.mark.parametrize("size", ["null", "0", "-3", "abc", "", "2.5"])
def test_a_page_size_that_is_not_a_positive_integer_gets_400(staff_api, acme, size):
    response = staff_api.get(f"/api/v1/tickets/?page_size={size}")
    assert response.status_code == 400
    assert response.json()["fields"] == {"page_size": ["Entier supérieur ou égal à 1 attendu."]}


def test_a_page_size_over_the_maximum_is_cut_to_it(staff_api, acme, monkeypatch):
    monkeypatch.setattr(IdCursorPagination, "max_page_size", 2)
    for _ in range(3):
        make_ticket(client=acme)
    response = staff_api.get("/api/v1/tickets/?page_size=100000")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        # Decodes, but with a position the ordering field cannot hold.
        base64.b64encode(b"p=pas-une-date").decode(),
        base64.b64encode(b"o=1&p=abc").decode(),
    ],
)
def test_a_cursor_the_server_did_not_issue_gets_400_naming_it(staff_api, acme, cursor):
    make_ticket(client=acme)
    for path in ("/api/v1/tickets/", "/api/v1/clients/"):
        response = staff_api.get(path, {"cursor": cursor})
        assert response.status_code == 400, (path, response.content)
        assert response.json()["fields"] == {"cursor": ["Curseur invalide."]}


def test_pagination_parameters_and_their_400_are_documented():
    paths = schema()["paths"]
    for path in ("/api/v1/tickets/", "/api/v1/me/notifications/", "/api/v1/webhooks/"):
        operation = paths[path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert parameters["page_size"]["schema"] == {"type": "integer", "minimum": 1}, path
        assert "400" in parameters["cursor"]["description"], path
        assert "400" in operation["responses"], path


def test_my_notifications_are_documented_as_a_page():
    responses = schema()["paths"]["/api/v1/me/notifications/"]["get"]["responses"]
    ref = responses["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/PaginatedNoticeList")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": 0}, "body"),
        ({"body": "Appel", "public": 0}, "public"),
        ({"body": "Appel", "minutes_spent": "15"}, "minutes_spent"),
        ({"body": "Appel", "minutes_spent": 15.0}, "minutes_spent"),
        ({"body": "Appel", "pubilc": True}, "pubilc"),
    ],
)
def test_a_json_body_off_its_schema_gets_400_naming_the_field(staff_api, acme, body, field):
    ticket = make_ticket(client=acme)
    response = staff_api.post(f"/api/v1/tickets/{ticket.reference}/timeline/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert ticket.events.count() == 1  # only its creation


def test_a_nested_object_is_held_to_its_schema_too(staff_api, acme):
    ticket = make_ticket(client=acme)
    response = staff_api.post(
        f"/api/v1/tickets/{ticket.reference}/close/",
        {"synthesis": "Fait", "qualification": {"billable": "oui"}},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["qualification.billable"]


def test_an_integer_choice_takes_an_integer_not_its_text(staff_api, acme):
    ticket = make_ticket(client=acme)
    url = f"/api/v1/tickets/{ticket.reference}/escalate/"
    refused = staff_api.post(url, {"reason": "Panne", "level": "2"}, format="json")
    assert refused.status_code == 400 and list(refused.json()["fields"]) == ["level"]
    accepted = staff_api.post(url, {"reason": "Panne", "level": None}, format="json")
    assert accepted.status_code == 200 and accepted.json()["escalation_level"] == 2


def test_form_bodies_keep_working_though_the_schema_documents_json_only(staff_api, acme):
    ticket = make_ticket(client=acme)
    response = staff_api.post(
        f"/api/v1/tickets/{ticket.reference}/timeline/", {"body": "Appel", "public": "true"}
    )
    assert response.status_code == 201
    operation = schema()["paths"]["/api/v1/tickets/{reference}/timeline/"]["post"]
    assert list(operation["requestBody"]["content"]) == ["application/json"]


def test_request_bodies_are_documented_closed_and_without_control_characters():
    components = schema()["components"]["schemas"]
    body = components["TimelineCreateRequest"]
    assert body["additionalProperties"] is False
    assert r"\x00-\x08" in body["properties"]["body"]["pattern"]
    assert components["WebhookSubscriptionRequest"]["properties"]["events"]["minItems"] == 1


def test_the_timeline_payload_is_not_required_since_client_tokens_never_get_it(acme_api, acme):
    ticket = make_ticket(client=acme)
    entry = acme_api.get(f"/api/v1/tickets/{ticket.reference}/timeline/").json()["results"][0]
    assert "payload" not in entry
    timeline_entry = schema()["components"]["schemas"]["TimelineEntry"]
    assert "payload" in timeline_entry["properties"]
    assert "payload" not in timeline_entry["required"]


def test_every_operation_documents_401_403_and_413_for_a_body():
    for path, methods in schema()["paths"].items():
        for method, operation in methods.items():
            responses = operation["responses"]
            assert {"401", "403"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in ("post", "patch", "put"):
                assert {"400", "413"} <= set(responses), (method, path)


def test_the_acknowledgement_documents_what_it_answers():
    operation = schema()["paths"]["/api/v1/oncall/pages/{id}/ack/"]["post"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ok.endswith("/PageAcknowledged")
    assert {"400", "401", "403", "404", "409", "413"} <= set(operation["responses"])
