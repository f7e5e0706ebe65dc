import datetime as dt

import pytest
import time_machine

from tests.factories import ContactFactory, SiteFactory, TechnicianFactory, make_ticket
from tickets.models import Channel, EventKind, State, Ticket

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def url(ticket, suffix=""):
    return f"{TICKETS}{ticket.reference}/{suffix}"


def test_a_staff_token_creates_a_ticket_through_the_service(staff_api, acme):
    response = staff_api.post(
        TICKETS,
        {"client": "acme", "title": "Serveur HS", "urgency": "critical", "channel": "phone"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(reference=body["reference"])
    assert ticket.client == acme and ticket.channel == Channel.PHONE
    assert ticket.created_by == staff_api.token.user
    assert ticket.gti_deadline is not None  # the service computed the GTI
    assert ticket.events.filter(kind=EventKind.CREATED).count() == 1
    assert response["ETag"]
    assert response["Location"].endswith(f"/api/v1/tickets/{ticket.reference}/")


def test_a_staff_token_must_name_the_client(staff_api, acme):
    response = staff_api.post(TICKETS, {"title": "x", "urgency": "critical"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["client"]


def test_bad_input_gets_400_with_field_errors_and_creates_nothing(staff_api, acme):
    response = staff_api.post(
        TICKETS, {"client": "acme", "title": "", "urgency": "urgent"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid"
    assert set(body["fields"]) == {"title", "urgency"}
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("code", ["nope", "", 42, ["acme"], {"code": "acme"}, True, "inactive"])
def test_an_unknown_or_inactive_client_code_gets_400_on_the_client_field(staff_api, acme, code):
    from tests.factories import ClientFactory

    ClientFactory(code="inactive", is_active=False)
    response = staff_api.post(
        TICKETS, {"client": code, "title": "x", "urgency": "critical"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["client"]
    assert not Ticket.objects.exists()


def test_malformed_json_gets_400_in_the_error_shape(staff_api):
    response = staff_api.post(TICKETS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_request"


def test_a_contact_of_another_client_is_refused_by_the_service(staff_api, acme, globex):
    other = ContactFactory(client=globex)
    response = staff_api.post(
        TICKETS,
        {"client": "acme", "title": "x", "urgency": "critical", "contact": other.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "contact" in response.json()["fields"]


def test_a_client_token_creates_tickets_only_for_its_client(acme_api, acme, globex):
    response = acme_api.post(
        TICKETS,
        {"client": "globex", "title": "x", "urgency": "critical", "channel": "phone"},
        format="json",
    )
    assert response.status_code == 400  # globex is not a known client for this token
    assert "client" in response.json()["fields"]
    response = acme_api.post(
        TICKETS,
        {"title": "Imprimante", "urgency": "non_blocking", "channel": "phone"},
        format="json",
    )
    assert response.status_code == 201
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert ticket.client == acme and ticket.channel == Channel.API


def test_a_client_token_cannot_use_another_clients_contact_or_site(acme_api, globex):
    contact, site = ContactFactory(client=globex), SiteFactory(client=globex)
    response = acme_api.post(
        TICKETS,
        {"title": "x", "urgency": "critical", "contact": contact.pk, "site": site.pk},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"contact", "site"}


def test_a_client_token_never_sees_another_clients_ticket(acme_api, acme, globex):
    mine, theirs = make_ticket(client=acme), make_ticket(client=globex)
    refs = [t["reference"] for t in acme_api.get(TICKETS).json()["results"]]
    assert refs == [mine.reference]
    for suffix in ("", "timeline/", "sla/"):
        response = acme_api.get(url(theirs, suffix))
        assert response.status_code == 404, suffix
        assert response.json()["error"] == "not_found"
    assert acme_api.post(url(theirs, "timeline/"), {"body": "x"}).status_code == 404
    assert acme_api.post(url(theirs, "reopen/"), {"reason": "x"}).status_code == 404


def test_a_client_token_cannot_run_the_oceanis_workflow(acme_api, acme):
    ticket = make_ticket(client=acme)
    for action in ("take", "resolve", "cancel", "escalate", "assign", "pending", "close"):
        response = acme_api.post(url(ticket, f"{action}/"), {}, format="json")
        assert response.status_code == 403, action
    assert acme_api.patch(url(ticket), {"urgency": "critical"}, format="json").status_code == 403
    ticket.refresh_from_db()
    assert ticket.state == State.NEW


def test_the_list_filters_by_state_client_urgency_assignee_and_update_time(staff_api, acme, globex):
    tech = TechnicianFactory()
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        old = make_ticket(client=acme, urgency="critical")
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC), tick=False):
        assigned = make_ticket(client=acme, assignee=tech)
        other = make_ticket(client=globex)

    def refs(query):
        response = staff_api.get(TICKETS + query)
        assert response.status_code == 200, response.json()
        return {t["reference"] for t in response.json()["results"]}

    assert refs("?client=acme") == {old.reference, assigned.reference}
    assert refs("?state=assigned") == {assigned.reference}
    assert refs("?state=new,assigned") == {old.reference, assigned.reference, other.reference}
    assert refs("?urgency=critical") == {old.reference}
    assert refs(f"?assignee={tech.pk}") == {assigned.reference}
    assert refs("?updated_since=2026-03-03T00:00:00%2B00:00") == {
        assigned.reference,
        other.reference,
    }
    # An offset ISO 8601 allows but PostgreSQL refuses (found by schemathesis): same instant.
    assert refs("?updated_since=2026-03-03T20:22:00%2B20:22") == {
        assigned.reference,
        other.reference,
    }


@pytest.mark.parametrize(
    "query,field",
    [
        ("?state=open", "state"),
        ("?urgency=panic", "urgency"),
        ("?assignee=abc", "assignee"),
        ("?updated_since=yesterday", "updated_since"),
    ],
)
def test_bad_list_filters_get_400(staff_api, query, field):
    response = staff_api.get(TICKETS + query)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_the_list_is_cursor_paginated_without_duplicates(staff_api, acme):
    created = {make_ticket(client=acme).reference for _ in range(7)}
    seen, page = [], TICKETS + "?page_size=3"
    while page:
        body = staff_api.get(page).json()
        seen += [t["reference"] for t in body["results"]]
        page = body["next"]
    assert sorted(seen) == sorted(created) and len(seen) == 7


def test_the_list_costs_a_fixed_number_of_queries(
    staff_api, acme, globex, django_assert_num_queries
):
    tech = TechnicianFactory()
    for client in (acme, globex):
        for _ in range(5):
            make_ticket(client=client, assignee=tech)
    staff_api.get(TICKETS)  # last_used_at written once
    with django_assert_num_queries(2):  # token + page of tickets with client and assignee
        response = staff_api.get(TICKETS)
    assert len(response.json()["results"]) == 10
    assert response.json()["results"][0]["assignee_name"] == str(tech)


def test_retrieve_returns_an_etag_that_changes_with_the_ticket(staff_api, acme):
    ticket = make_ticket(client=acme)
    first = staff_api.get(url(ticket))
    assert first.status_code == 200 and first.json()["reference"] == ticket.reference
    staff_api.post(url(ticket, "timeline/"), {"body": "Appel client", "public": True})
    second = staff_api.get(url(ticket))
    assert first["ETag"] != second["ETag"]


def test_patch_requalifies_through_the_services(staff_api, acme):
    ticket = make_ticket(client=acme, urgency="slightly_blocking")
    deadline = ticket.gti_deadline
    response = staff_api.patch(
        url(ticket), {"urgency": "critical", "technical_domain": "network"}, format="json"
    )
    assert response.status_code == 200, response.json()
    ticket.refresh_from_db()
    assert ticket.urgency == "critical" and ticket.technical_domain == "network"
    assert ticket.gti_deadline < deadline  # urgency change recomputed the GTI
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert EventKind.URGENCY in kinds and EventKind.QUALIFICATION in kinds


def test_patch_with_a_stale_if_match_gets_409_and_changes_nothing(staff_api, acme):
    ticket = make_ticket(client=acme)
    etag = staff_api.get(url(ticket))["ETag"]
    staff_api.post(url(ticket, "timeline/"), {"body": "Entre-temps", "public": False})
    response = staff_api.patch(url(ticket), {"equipment": "NAS"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 409
    assert response.json()["error"] == "stale_version"
    ticket.refresh_from_db()
    assert ticket.equipment == ""
    fresh = staff_api.get(url(ticket))["ETag"]
    ok = staff_api.patch(url(ticket), {"equipment": "NAS"}, format="json", HTTP_IF_MATCH=fresh)
    assert ok.status_code == 200
    assert ok["ETag"] != fresh


def test_put_is_not_offered(staff_api, acme):
    ticket = make_ticket(client=acme)
    response = staff_api.put(url(ticket), {"title": "x"}, format="json")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_the_lifecycle_runs_through_the_actions(staff_api, acme):
    tech = TechnicianFactory()
    ticket = make_ticket(client=acme)

    def post(action, data=None):
        response = staff_api.post(url(ticket, f"{action}/"), data or {}, format="json")
        assert response.status_code == 200, (action, response.json())
        return response.json()

    assert post("assign", {"technician": tech.pk})["state"] == State.ASSIGNED
    assert post("take")["state"] == State.IN_PROGRESS
    assert post("pending", {"reason": "Attente du client", "on": "client"})["state"] == "pending"
    assert post("resume")["state"] == State.IN_PROGRESS
    assert post("escalate", {"reason": "Besoin N2"})["escalation_level"] == 2
    assert post("resolve", {"note": "Câble remplacé", "minutes_spent": 30})["state"] == "resolved"
    assert post("reopen", {"reason": "Toujours en panne"})["state"] == State.IN_PROGRESS
    post("resolve", {"note": "Câble changé une seconde fois"})
    closed = post("close", {"synthesis": "Câble réseau défectueux remplacé."})
    assert closed["state"] == State.CLOSED and closed["closure_synthesis"]
    ticket.refresh_from_db()
    assert ticket.ti_measured is not None


def test_a_forbidden_transition_gets_409(staff_api, acme):
    ticket = make_ticket(client=acme)
    response = staff_api.post(url(ticket, "resolve/"), {"note": "Fait"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"] == "transition_not_allowed"
    assert "Nouvelle" in response.json()["detail"]


def test_a_transition_with_missing_input_gets_400(staff_api, acme):
    ticket = make_ticket(client=acme)
    response = staff_api.post(url(ticket, "cancel/"), {}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]
    response = staff_api.post(url(ticket, "cancel/"), {"reason": "   "}, format="json")
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.state == State.NEW


def test_close_validates_the_qualification(staff_api, acme):
    ticket = make_ticket(client=acme)
    staff_api.post(url(ticket, "take/"))
    staff_api.post(url(ticket, "resolve/"), {"note": "Fait"}, format="json")
    response = staff_api.post(
        url(ticket, "close/"),
        {"synthesis": "ok", "qualification": {"complexity": "wizard"}},
        format="json",
    )
    assert response.status_code == 400
    assert "qualification.complexity" in response.json()["fields"]


def test_an_action_honours_if_match(staff_api, acme):
    ticket = make_ticket(client=acme)
    response = staff_api.post(url(ticket, "take/"), HTTP_IF_MATCH='"stale"')
    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.state == State.NEW


def test_the_sla_endpoint_reports_the_live_gti_clock(staff_api, acme_api, acme):
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        ticket = make_ticket(client=acme, urgency="very_blocking")
    with time_machine.travel(dt.datetime(2026, 3, 2, 11, tzinfo=dt.UTC), tick=False):
        body = staff_api.get(url(ticket, "sla/")).json()
        assert acme_api.get(url(ticket, "sla/")).json() == body
    assert body["duration_seconds"] == 4 * 3600
    assert body["remaining_seconds"] == 2 * 3600
    assert body["consumed_percent"] == 50
    assert body["running"] is True and body["level"] == "ok"


def test_a_bad_cursor_gets_400(staff_api):
    response = staff_api.get(TICKETS + "?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "cursor" in response.json()["fields"]


@pytest.mark.parametrize("taken", [False, True])
def test_fast_representation_matches_the_fields(taken, staff_api, acme):
    from api.serializers import TicketSerializer
    from tests.factories import TechnicianFactory
    from tickets import services as ticket_services

    ticket = ticket_services.ticket_create(
        client=acme, title="Imprimante", urgency="critical", channel="phone", by=None
    )
    if taken:
        tech = TechnicianFactory()
        ticket_services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        ticket_services.ticket_escalate(ticket=ticket, by=tech.user, reason="N2", level=2)
        ticket_services.ticket_set_pending(
            ticket=ticket, by=tech.user, reason="Pièce", on="third_party"
        )
    ticket = Ticket.objects.select_related("client", "assignee__user").get(pk=ticket.pk)
    serializer = TicketSerializer(ticket)
    assert serializer.data == serializer.field_representation(ticket)
    assert list(serializer.data) == list(serializer.fields)


def test_creation_costs_a_fixed_number_of_statements(staff_api, acme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    staff_api.get(TICKETS)  # last_used_at written once
    with CaptureQueriesContext(connection) as ctx:
        response = staff_api.post(
            TICKETS, {"client": "acme", "title": "VPN", "urgency": "critical"}, format="json"
        )
    assert response.status_code == 201
    statements = [
        q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    # token, client by code, contract in force, reference, ticket, creation event, the webhook
    # subscriptions it concerns (deliveries commit with the event): the response is the inserted
    # instance, not a re-read.
    assert len(statements) == 7, statements
    assert response.json()["client"] == "acme" and response.json()["urgency"] == "critical"


@pytest.mark.parametrize("assign", [False, True])
def test_the_creation_answer_is_what_a_read_returns(staff_api, acme, assign):
    """The answer serialises the inserted instance: it must equal a fresh read, ETag included."""
    payload = {"client": "acme", "title": "Messagerie", "urgency": "very_blocking"}
    if assign:
        payload["assignee"] = TechnicianFactory().pk
    created = staff_api.post(TICKETS, payload, format="json")
    assert created.status_code == 201
    read = staff_api.get(f"{TICKETS}{created.json()['reference']}/")
    assert created.json() == read.json()
    assert created["ETag"] == read["ETag"]
