import pytest

from tests.factories import make_ticket
from tickets.models import EventKind

pytestmark = pytest.mark.django_db


def timeline(ticket):
    return f"/api/v1/tickets/{ticket.reference}/timeline/"


def test_staff_adds_a_public_report_and_an_internal_note(staff_api, acme):
    ticket = make_ticket(client=acme)
    report = staff_api.post(
        timeline(ticket), {"body": "Redémarrage fait", "minutes_spent": 15}, format="json"
    )
    assert report.status_code == 201, report.json()
    assert report.json()["kind"] == EventKind.REPORT and report.json()["public"] is True
    note = staff_api.post(timeline(ticket), {"body": "Client difficile", "public": False})
    assert note.status_code == 201 and note.json()["kind"] == EventKind.NOTE
    entries = staff_api.get(timeline(ticket)).json()["results"]
    assert [e["kind"] for e in entries] == ["created", "report", "note"]
    assert entries[1]["minutes_spent"] == 15
    assert entries[1]["actor"] == "Téléphonie"
    assert "payload" in entries[0]


def test_a_client_token_never_sees_internal_notes(staff_api, acme_api, acme):
    ticket = make_ticket(client=acme)
    staff_api.post(timeline(ticket), {"body": "Note interne secrète", "public": False})
    staff_api.post(timeline(ticket), {"body": "Compte-rendu", "public": True})
    entries = acme_api.get(timeline(ticket)).json()["results"]
    assert [e["body"] for e in entries if e["kind"] != "created"] == ["Compte-rendu"]
    assert all("payload" not in e for e in entries)


def test_a_client_token_cannot_write_an_internal_note(acme_api, acme):
    ticket = make_ticket(client=acme)
    response = acme_api.post(timeline(ticket), {"body": "x", "public": False})
    assert response.status_code == 403
    assert not ticket.events.filter(kind=EventKind.NOTE).exists()
    ok = acme_api.post(timeline(ticket), {"body": "Toujours bloqué chez nous"})
    assert ok.status_code == 201 and ok.json()["public"] is True


def test_an_empty_entry_gets_400(staff_api, acme):
    ticket = make_ticket(client=acme)
    response = staff_api.post(timeline(ticket), {"body": "   "}, format="json")
    assert response.status_code == 400
    assert "body" in response.json()["fields"]


def test_no_entry_on_a_cancelled_ticket(staff_api, acme):
    ticket = make_ticket(client=acme)
    staff_api.post(f"/api/v1/tickets/{ticket.reference}/cancel/", {"reason": "Doublon"})
    response = staff_api.post(timeline(ticket), {"body": "x"})
    assert response.status_code == 409


def test_the_timeline_costs_a_fixed_number_of_queries(staff_api, acme, django_assert_num_queries):
    ticket = make_ticket(client=acme)
    for i in range(6):
        staff_api.post(timeline(ticket), {"body": f"Entrée {i}", "public": i % 2 == 0})
    staff_api.get(timeline(ticket))
    with django_assert_num_queries(3):  # token, ticket, page of events with actors
        response = staff_api.get(timeline(ticket))
    assert len(response.json()["results"]) == 7
