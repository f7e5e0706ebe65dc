import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from api.models import ApiToken, hash_token
from api.scopes import TokenScope
from api.services import token_create, token_revoke
from tests.api.conftest import bearer
from tests.factories import ContactFactory, TechnicianFactory, UserFactory

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"


def test_a_token_is_stored_only_as_a_hash():
    token, raw = token_create(name="Supervision", scopes=["tickets:read"])
    assert raw.startswith("oc_") and len(raw) > 40
    assert token.key_hash == hash_token(raw)
    assert raw not in {token.key_hash, token.prefix}
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert token.prefix == raw[:11]


def test_a_valid_token_authenticates_and_records_its_last_use():
    token, raw = token_create(name="Supervision", scopes=["tickets:read"])
    assert token.last_used_at is None
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        assert bearer(raw).get(TICKETS).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)


def test_last_use_is_written_at_most_once_a_minute(django_assert_num_queries):
    token, raw = token_create(name="Supervision", scopes=["tickets:read"])
    api = bearer(raw)
    api.get(TICKETS)
    # token lookup + list query: no UPDATE on the second request within the minute
    with django_assert_num_queries(2):
        assert api.get(TICKETS).status_code == 200


def test_a_revoked_token_is_refused_with_401_in_the_error_shape():
    token, raw = token_create(name="Supervision", scopes=["tickets:read"])
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
    token_create(name="Supervision", scopes=["tickets:read"])
    with pytest.raises(Exception, match="déjà"):
        token_create(name="Supervision", scopes=["tickets:read"])


def test_the_command_prints_the_token_once_and_scopes_it_to_a_client(acme):
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token",
        "Outil client",
        "--client",
        "acme",
        "--scope",
        "tickets:read",
        stdout=out,
        stderr=err,
    )
    raw = out.getvalue().strip()
    token = ApiToken.objects.get(name="Outil client")
    assert token.key_hash == hash_token(raw)
    assert token.client == acme
    assert "acme" in err.getvalue()
    assert bearer(raw).get(TICKETS).status_code == 200


def test_the_command_refuses_an_unknown_client():
    with pytest.raises(CommandError, match="Client inconnu"):
        call_command(
            "create_api_token",
            "X",
            "--client",
            "nope",
            "--scope",
            "tickets:read",
            stdout=StringIO(),
        )
    assert not ApiToken.objects.exists()


def test_the_command_refuses_a_duplicate_name():
    token_create(name="Supervision", scopes=["tickets:read"])
    with pytest.raises(CommandError, match="déjà"):
        call_command(
            "create_api_token",
            "Supervision",
            "--scope",
            "tickets:read",
            stdout=StringIO(),
            stderr=StringIO(),
        )


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
    _token, raw = token_create(name="Outil ACME", client=acme, scopes=["tickets:read"])
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
    staff_token, staff_raw = token_create(name="Téléphonie", scopes=["tickets:read"])
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
        "/admin/api/apitoken/add/",
        {"name": "Facturation", "client": acme.pk, "scopes": ["tickets:read", "webhooks:manage"]},
        follow=True,
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Facturation")
    shown = [str(m) for m in response.context["messages"]]
    raw = next(word for m in shown for word in m.split() if word.startswith("oc_"))
    assert token.key_hash == hash_token(raw) and token.client == acme
    assert token.scopes == ["tickets:read", "webhooks:manage"]
    api.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
        follow=True,
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(raw).get(TICKETS).status_code == 401


def test_last_use_is_written_again_once_the_minute_has_passed():
    token, raw = token_create(name="Supervision", scopes=["tickets:read"])
    api = bearer(raw)
    start = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        api.get(TICKETS)
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        api.get(TICKETS)
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        api.get(TICKETS)
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


# --- the command --------------------------------------------------------------------------------


def _create(*args):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_command_without_a_scope_fails_and_lists_the_scopes():
    with pytest.raises(CommandError) as refused:
        _create("Supervision")
    assert refused.value.returncode != 0
    for scope in TokenScope.values:
        assert scope in str(refused.value)
    assert not ApiToken.objects.exists()


def test_the_command_refuses_an_unknown_scope():
    with pytest.raises(CommandError, match="Portée inconnue : tickets:admin") as refused:
        _create("Supervision", "--scope", "tickets:read", "--scope", "tickets:admin")
    assert "alerts:write" in str(refused.value)  # the possible ones are listed
    assert not ApiToken.objects.exists()


def test_the_command_grants_exactly_the_scopes_given(acme):
    raw, err = _create("Supervision", "--scope", "tickets:read", "--scope", "alerts:write")
    token = ApiToken.objects.get(name="Supervision")
    assert token.scopes == ["tickets:read", "alerts:write"]
    assert "tickets:read, alerts:write" in err
    assert not token.user.is_staff  # its own integration account
    api = bearer(raw)
    assert api.get(TICKETS).status_code == 200
    refused = api.post(TICKETS, {"client": "acme", "title": "x", "urgency": "critical"})
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"


def test_the_command_makes_a_token_act_as_a_staff_member(acme):
    from tickets.models import Ticket

    person = TechnicianFactory(user__username="lea").user
    raw, err = _create("Poste de Léa", "--scope", "tickets:write", "--acting-as", "lea")
    assert ApiToken.objects.get(name="Poste de Léa").user == person
    assert "au nom de lea" in err
    created = bearer(raw).post(TICKETS, {"client": "acme", "title": "x", "urgency": "critical"})
    assert Ticket.objects.get(reference=created.json()["reference"]).created_by == person


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--acting-as", "lea", "--client", "acme"], "s'excluent"),
        (["--acting-as", "personne"], "Utilisateur inconnu"),
        (["--acting-as", "contact"], "intervenant Oceanis actif"),
        (["--client", "acme", "--scope", "oncall:read"], "réservée aux jetons Oceanis"),
    ],
)
def test_the_command_refuses_what_a_token_may_not_be(args, message, acme):
    TechnicianFactory(user__username="lea")
    UserFactory(username="contact")
    with pytest.raises(CommandError, match=message):
        _create("Mixte", "--scope", "tickets:read", *args)
    assert not ApiToken.objects.exists()


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_api(settings):
    settings.ROOT_URLCONF = "oceanis.urls"
    api = APIClient()
    api.force_login(UserFactory(is_staff=True, is_superuser=True))
    return api


def test_the_admin_shows_each_tokens_scopes_and_last_use(admin_api, acme):
    token, raw = token_create(name="Facturation", client=acme, scopes=["tickets:read"])
    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False):
        bearer(raw).get(TICKETS)
    listing = admin_api.get("/admin/api/apitoken/").content.decode()
    assert "tickets:read" in listing and "2 mars 2026" in listing
    page = admin_api.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    assert 'type="checkbox" name="scopes" value="tickets:read"' in page
    assert 'value="tickets:read" id="id_scopes_0" checked' in page
    assert 'value="alerts:write"' in page and "2 mars 2026" in page


def test_the_admin_changes_scopes_with_the_same_rules_as_creation(admin_api, acme):
    token, _raw = token_create(name="Facturation", client=acme, scopes=["tickets:read"])
    url = f"/admin/api/apitoken/{token.pk}/change/"
    refused = admin_api.post(url, {"scopes": ["tickets:read", "oncall:read"]})
    assert refused.status_code == 200 and "réservée aux jetons Oceanis" in refused.content.decode()
    token.refresh_from_db()
    assert token.scopes == ["tickets:read"]
    assert admin_api.post(url, {"scopes": ["alerts:write", "tickets:read"]}).status_code == 302
    token.refresh_from_db()
    assert token.scopes == ["tickets:read", "alerts:write"]


def test_the_admin_issues_a_token_acting_for_a_technician(admin_api):
    person = TechnicianFactory().user
    response = admin_api.post(
        "/admin/api/apitoken/add/",
        {"name": "Poste", "acting_as": person.pk, "scopes": ["notifications:read"]},
    )
    assert response.status_code == 302
    token = ApiToken.objects.get(name="Poste")
    assert token.user == person and token.scopes == ["notifications:read"]
    no_scope = admin_api.post("/admin/api/apitoken/add/", {"name": "Vide"})
    assert no_scope.status_code == 200 and not ApiToken.objects.filter(name="Vide").exists()
