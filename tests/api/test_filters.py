"""List filters (api/filters.py): validated by django-filter, documented from the FilterSets."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import ContactFactory, SiteFactory, TechnicianFactory, make_ticket

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def _refs(api, query: str) -> set[str]:
    response = api.get(TICKETS + query)
    assert response.status_code == 200, response.json()
    return {t["reference"] for t in response.json()["results"]}


def test_comma_lists_tolerate_spaces_and_empty_items(staff_api, acme):
    new = make_ticket(client=acme)
    assert _refs(staff_api, "?state=new,%20assigned,,") == {new.reference}
    # An empty filter is no filter (the schema says allowEmptyValue).
    assert _refs(staff_api, "?state=&assignee=&updated_since=&client=") == {new.reference}


@pytest.mark.parametrize(
    "query,field",
    [
        ("?state=new,open", "state"),
        ("?urgency=critical,,panic", "urgency"),
        ("?assignee=-1", "assignee"),
        ("?assignee=1.5", "assignee"),
        ("?updated_since=2026-03-03T09:00:00", "updated_since"),  # no offset: ambiguous
        ("?updated_since=2026-02-30T09:00:00Z", "updated_since"),
    ],
)
def test_an_invalid_value_is_a_400_in_the_error_shape_naming_the_parameter(staff_api, query, field):
    response = staff_api.get(TICKETS + query)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid" and list(body["fields"]) == [field]
    assert body["fields"][field][0]


def test_rfc3339_spellings_python_does_not_read_are_accepted(staff_api, acme):
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC), tick=False):
        ticket = make_ticket(client=acme)
    assert _refs(staff_api, "?updated_since=2026-03-03t08:59:60z") == {ticket.reference}
    assert _refs(staff_api, "?updated_since=2026-03-03T09:00:01Z") == set()


def test_filters_apply_to_lists_only_not_to_detail_or_timeline(staff_api, acme):
    ticket = make_ticket(client=acme)
    assert staff_api.get(f"{TICKETS}{ticket.reference}/?state=open").status_code == 200
    assert staff_api.get(f"{TICKETS}{ticket.reference}/?client=globex").status_code == 200
    timeline = f"{TICKETS}{ticket.reference}/timeline/?assignee=abc"
    assert staff_api.get(timeline).status_code == 200


def test_a_filtered_list_costs_the_same_queries(staff_api, acme, django_assert_num_queries):
    tech = TechnicianFactory()
    for _ in range(4):
        make_ticket(client=acme, assignee=tech, urgency="critical")
    query = f"?state=assigned,new&urgency=critical&client=acme&assignee={tech.pk}"
    staff_api.get(TICKETS)  # last_used_at written once
    with django_assert_num_queries(2):  # token + page of tickets with client and assignee
        response = staff_api.get(TICKETS + query + "&updated_since=2000-01-01T00:00:00Z")
    assert len(response.json()["results"]) == 4


@pytest.mark.parametrize("resource", ["sites", "contacts", "contracts"])
def test_reference_lists_filter_by_client_code(staff_api, acme, globex, resource):
    SiteFactory(client=acme), SiteFactory(client=globex)
    ContactFactory(client=acme), ContactFactory(client=globex)
    rows = staff_api.get(f"/api/v1/{resource}/?client=globex").json()["results"]
    assert rows and {r["client"] for r in rows} == {"globex"}
    assert staff_api.get(f"/api/v1/{resource}/?client=nobody").json()["results"] == []


def _query_parameters(path: str) -> dict[str, dict]:
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    operation = schema["paths"][path]["get"]
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def test_the_schema_documents_the_filters_from_the_filtersets():
    tickets = _query_parameters("/api/v1/tickets/")
    assert {"state", "urgency", "client", "assignee", "updated_since"} <= set(tickets)
    state = tickets["state"]
    assert state["schema"]["type"] == "array" and "resolved" in state["schema"]["items"]["enum"]
    assert (state["style"], state["explode"]) == ("form", False)  # state=new,assigned
    assert tickets["urgency"]["schema"]["items"]["enum"]
    assert tickets["assignee"]["schema"] == {"type": "integer", "minimum": 0}
    assert tickets["updated_since"]["schema"] == {"type": "string", "format": "date-time"}
    filters = ("state", "urgency", "client", "assignee", "updated_since")
    assert all(tickets[name]["allowEmptyValue"] for name in filters)
    for resource in ("sites", "contacts", "contracts"):
        assert _query_parameters(f"/api/v1/{resource}/")["client"]["schema"]["type"] == "string"
    assert "client" not in _query_parameters("/api/v1/clients/")
    detail = _query_parameters("/api/v1/tickets/{reference}/timeline/")
    assert not {"state", "assignee"} & set(detail)
