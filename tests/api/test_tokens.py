import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from api.models import ApiToken, hash_token
from api.tokens import token_create, token_revoke
from tests.api.conftest import bearer
from tests.factories import ContactFactory, TechnicianFactory, UserFactory

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def test_a_token_is_stored_only_as_a_hash():
    token, raw = token_create(name="Supervision")
    assert raw.startswith("oc_") and len(raw) > 40
    assert token.key_hash == hash_token(raw)
    assert raw not in {token.key_hash, token.prefix}
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert token.prefix == raw[:11]


def test_a_valid_token_authenticates_and_records_its_last_use():
    token, raw = token_create(name="Supervision")
    assert token.last_used_at is None
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        assert bearer(raw).get(TICKETS).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def test_last_use_is_written_at_most_once_a_minute(django_assert_num_queries):
    token, raw = token_create(name="Supervision")
    api = bearer(raw)
    api.get(TICKETS)
    # token lookup + list query: no UPDATE on the second request within the minute
    with django_assert_num_queries(2):
        assert api.get(TICKETS).status_code == 200


def test_a_revoked_token_is_refused_with_401_in_the_error_shape():
    token, raw = token_create(name="Supervision")
    token_revoke(token=token)
    response = bearer(raw).get(TICKETS)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert set(response.json()) == {"error", "detail", "fields"}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_is_refused():
    response = bearer("oc_not-a-real-token").get(TICKETS)
    assert response.status_code == 401


def test_no_credentials_get_401():
    response = APIClient().get(TICKETS)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_token_names_are_unique():
    token_create(name="Supervision")
    with pytest.raises(Exception, match="déjà"):
        token_create(name="Supervision")


def test_the_command_prints_the_token_once_and_scopes_it_to_a_client(acme):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "Outil client", "--client", "acme", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(name="Outil client")
    assert token.key_hash == hash_token(raw)
    assert token.client == acme
    assert "acme" in err.getvalue()
    assert bearer(raw).get(TICKETS).status_code == 200


def test_the_command_refuses_an_unknown_client():
    with pytest.raises(CommandError, match="Client inconnu"):
        call_command("create_api_token", "X", "--client", "nope", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_the_command_refuses_a_duplicate_name():
    token_create(name="Supervision")
    with pytest.raises(CommandError, match="déjà"):
        call_command("create_api_token", "Supervision", stdout=StringIO(), stderr=StringIO())


def test_a_staff_session_uses_the_api_and_a_contact_session_is_scoped(acme, globex):
    from tests.factories import make_ticket

    mine = make_ticket(client=acme)
    make_ticket(client=globex)
    staff = APIClient()
    staff.force_login(TechnicianFactory().user)
    assert len(staff.get(TICKETS).json()["results"]) == 2

    contact = ContactFactory(client=acme, user=UserFactory())
    portal = APIClient()
    portal.force_login(contact.user)
    refs = [t["reference"] for t in portal.get(TICKETS).json()["results"]]
    assert refs == [mine.reference]


def test_a_deactivated_client_loses_its_tokens_and_its_contacts_lose_the_api(acme):
    from tests.factories import make_ticket

    make_ticket(client=acme)
    _token, raw = token_create(name="Outil ACME", client=acme)
    contact = ContactFactory(client=acme, user=UserFactory())
    portal = APIClient()
    portal.force_login(contact.user)
    assert bearer(raw).get(TICKETS).status_code == 200
    assert portal.get(TICKETS).status_code == 200
    acme.is_active = False
    acme.save()
    refused = bearer(raw).get(TICKETS)
    assert refused.status_code == 401 and refused.json()["error"] == "not_authenticated"
    assert portal.get(TICKETS).status_code == 403
    staff_token, staff_raw = token_create(name="Téléphonie")
    assert bearer(staff_raw).get(TICKETS).status_code == 200  # staff-wide tokens are unaffected


def test_a_user_who_is_neither_staff_nor_contact_is_forbidden():
    api = APIClient()
    api.force_login(UserFactory())
    response = api.get(TICKETS)
    assert response.status_code == 403
    assert response.json()["error"] == "permission_denied"


def test_a_session_write_needs_the_csrf_token(acme):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(TechnicianFactory().user)
    response = api.post(TICKETS, {"client": "acme", "title": "x", "urgency": "critical"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_admin_issues_a_token_shown_once_and_revokes_it(acme, settings):
    settings.ROOT_URLCONF = "oceanis.urls"
    admin = UserFactory(is_staff=True, is_superuser=True)
    api = APIClient()
    api.force_login(admin)
    response = api.post(
        "/admin/api/apitoken/add/", {"name": "Facturation", "client": acme.pk}, follow=True
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Facturation")
    shown = [str(m) for m in response.context["messages"]]
    raw = next(word for m in shown for word in m.split() if word.startswith("oc_"))
    assert token.key_hash == hash_token(raw) and token.client == acme
    api.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(raw).get(TICKETS).status_code == 401
