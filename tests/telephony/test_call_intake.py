"""POST /api/v1/calls/: the caller identified whatever the number's format, the answering
technician by username or extension, one row per call_id, least privilege, strict bodies."""

import pytest
from rest_framework.test import APIClient

from telephony.models import Call, Extension
from tests.factories import ContactFactory, ContractFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

URL = "/api/v1/calls/"
START = "2026-12-03T09:00:00+01:00"


def post(api, **body):
    body.setdefault("caller", "0251102000")
    body.setdefault("started_at", START)
    return api.post(URL, body, format="json")


@pytest.mark.parametrize("caller", ["02.51.10.20.00", "0251102000", "+33251102000"])
def test_every_format_of_the_number_identifies_the_same_contact(switchboard, pierre, caller):
    response = post(switchboard, call_id=f"c-{caller}", caller=caller, called="0251000000")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["contact"] == {
        "id": pierre.pk,
        "name": "Pierre Martin",
        "email": "pierre.martin@vendee-logistique.example",
    }
    assert body["client"] == "vendee-logistique"
    assert body["caller"] == "+33251102000"
    call = Call.objects.get(call_id=f"c-{caller}")
    assert (call.contact, call.client, call.site) == (pierre, pierre.client, pierre.site)


def test_the_answer_lists_the_clients_open_tickets_the_callers_first(switchboard, pierre):
    other = make_ticket(client=pierre.client, title="Autre")
    mine = make_ticket(client=pierre.client, contact=pierre, title="La sienne")
    make_ticket(client=ContractFactory().client, title="Un autre client")
    body = post(switchboard, call_id="c1").json()
    assert body["open_tickets"] == [mine.reference, other.reference]


def test_a_site_or_client_switchboard_number_identifies_the_client(switchboard, pierre):
    site_call = post(switchboard, call_id="s1", caller="+33 2 51 66 00 00").json()
    assert (site_call["client"], site_call["contact"]) == ("vendee-logistique", None)
    assert Call.objects.get(call_id="s1").site == pierre.site
    pierre.client.phone = "02 40 00 00 01"
    pierre.client.save()
    assert post(switchboard, call_id="s2", caller="0240000001").json()["client"] == (
        "vendee-logistique"
    )


def test_an_unknown_or_withheld_number_identifies_nobody(switchboard, pierre):
    for n, caller in enumerate(["0699999999", "anonymous", "230"]):
        body = post(switchboard, call_id=f"u{n}", caller=caller).json()
        assert (body["contact"], body["client"], body["open_tickets"]) == (None, None, [])


def test_a_number_shared_by_two_clients_identifies_nobody(switchboard, pierre):
    ContactFactory(phone="02 51 10 20 00")  # another client's contact, same number
    body = post(switchboard, call_id="shared").json()
    assert (body["contact"], body["client"]) == (None, None)


def test_posting_the_same_call_id_again_updates_the_call(switchboard, pierre, julien):
    assert post(switchboard, call_id="w-1").status_code == 201
    answered = post(switchboard, call_id="w-1", answered_by="julien")
    assert answered.status_code == 200
    assert answered.json()["answered_by"] == "julien"
    ended = post(switchboard, call_id="w-1", ended_at="2026-12-03T09:04:00+01:00")
    assert ended.status_code == 200
    again = post(switchboard, call_id="w-1", ended_at="2026-12-03T09:04:00+01:00")
    assert again.status_code == 200 and again.json() == ended.json()
    call = Call.objects.get()
    assert call.answered_by == julien.user  # left out later: kept
    assert call.ended_at.isoformat() == "2026-12-03T08:04:00+00:00"


def test_answered_by_an_extension_or_a_username(switchboard, pierre, julien):
    Extension.objects.create(user=julien.user, number="230")
    assert post(switchboard, call_id="e1", answered_by="230").json()["answered_by"] == "julien"
    assert post(switchboard, call_id="e2", answered_by="JULIEN").json()["answered_by"] == ("julien")
    unknown = post(switchboard, call_id="e3", answered_by="999").json()
    assert unknown["answered_by"] is None
    assert Call.objects.get(call_id="e3").answered_by_raw == "999"  # kept for the log


def test_a_client_contact_cannot_answer_a_call(switchboard, pierre):
    contact = ContactFactory(client=pierre.client)
    contact.user = UserFactory(username="client-login")
    contact.save()
    assert post(switchboard, call_id="x", answered_by="client-login").json()["answered_by"] is None


def test_a_token_without_calls_write_gets_403_naming_the_scope(no_calls_token, pierre):
    response = post(no_calls_token, call_id="n1")
    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert "calls:write" in response.json()["detail"]
    assert not Call.objects.exists()


def test_a_client_token_cannot_post_calls(client_token, pierre):
    response = post(client_token, call_id="n2")
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"
    assert not Call.objects.exists()


def test_anonymous_is_refused(pierre):
    assert post(APIClient(), call_id="n3").status_code in (401, 403)
    assert not Call.objects.exists()


def test_a_staff_session_may_post_calls(pierre, julien):
    api = APIClient()
    api.force_login(julien.user)
    assert post(api, call_id="sess").status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"call_id": "b", "caller": "0251102000", "started_at": START, "extra": 1}, "extra"),
        ({"call_id": 5, "caller": "0251102000", "started_at": START}, "call_id"),
        ({"call_id": "b", "caller": 251102000, "started_at": START}, "caller"),
        ({"call_id": "b", "caller": "0251102000", "started_at": "hier"}, "started_at"),
        ({"call_id": "b", "caller": "0251102000"}, "started_at"),
        ({"call_id": "b", "caller": "x", "started_at": START, "answered_by": 230}, "answered_by"),
        ({"caller": "0251102000", "started_at": START}, "call_id"),
    ],
)
def test_a_body_off_the_schema_is_a_400_naming_the_field(switchboard, pierre, body, field):
    response = switchboard.post(URL, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not Call.objects.exists()


def test_not_json_is_a_400(switchboard, pierre):
    response = switchboard.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
