"""Until the second factor is given, every door refuses the session: back-office pages and the
admin redirect to the verification (or enrolment) page, the API answers 403 in its JSON error
shape; an API token is not a session and is unaffected."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from api.scopes import TokenScope
from api.services import token_create
from identity import services
from tests.factories import TechnicianFactory, make_manager

from .conftest import enrol_totp, password_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def halfway(client, tech):
    """Alice gave her password, not yet her code."""
    enrol_totp(tech.user)
    password_login(client, "alice")
    return client


@pytest.mark.parametrize(
    "url",
    ["/", "/notifications/", "/incidents/", "/kb/", "/securite/facteurs/", "/extranet/"],
)
def test_back_office_pages_send_the_session_to_the_verification(halfway, url):
    response = halfway.get(url)
    assert response.status_code == 302, url
    assert response["Location"] == reverse("identity:verify") + "?next=" + url.replace("/", "%2F")


def test_a_post_is_refused_too(halfway):
    response = halfway.post(reverse("backoffice:ticket_new"), {"title": "x"})
    assert response.status_code == 302
    assert response["Location"] == reverse("identity:verify")


def test_an_htmx_poll_gets_401_and_nothing_to_swap(halfway):
    # The bell polls from the verification page too: a redirect would reload that page.
    response = halfway.get(reverse("notices:bell"), HTTP_HX_REQUEST="true")
    assert response.status_code == 401 and response.content == b""


def test_the_admin_obeys_too(client, db):
    boss = make_manager()
    boss.user.is_superuser = True
    boss.user.save()
    enrol_totp(boss.user)
    response = client.post("/admin/login/", {"username": "manager", "password": "secret-pass-123"})
    assert response.status_code == 302
    index = client.get("/admin/")
    assert index.status_code == 302
    assert index["Location"].startswith(reverse("identity:verify"))
    assert client.get("/admin/tickets/ticket/").status_code == 302


def test_the_api_answers_403_json_to_an_unverified_session(halfway):
    response = halfway.get("/api/v1/tickets/")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "second_factor_required" and body["fields"] == {}
    assert body["detail"]


def test_an_api_token_is_unaffected_even_with_an_unverified_session_cookie(halfway, tech):
    _token, raw = token_create(name="Script", scopes=[TokenScope.TICKETS_READ], acting_as=tech.user)
    response = halfway.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    alone = Client().get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert alone.status_code == 200


def test_once_verified_every_door_opens(halfway):
    session = halfway.session
    session[services.VERIFIED_KEY] = "totp"
    session.save()
    assert halfway.get("/").status_code == 200
    assert halfway.get("/api/v1/tickets/").status_code == 200


def test_a_session_the_identity_provider_vouched_for_is_verified(halfway):
    # The sso app writes "oidc" when the IdP says the user gave a second factor there.
    session = halfway.session
    session[services.VERIFIED_KEY] = "oidc"
    session.save()
    assert halfway.get("/").status_code == 200


def test_session_mark_verified_is_the_way_other_apps_mark_a_session(rf, tech):
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/")
    request.session = SessionStore()
    request.session.create()
    before = request.session.session_key
    services.session_mark_verified(request=request, method="oidc")
    assert request.session["identity_verified"] == "oidc"
    assert request.session.session_key != before
    with pytest.raises(ValueError):
        services.session_mark_verified(request=request, method="sms")


def test_logout_and_the_language_stay_reachable(halfway):
    assert halfway.post(reverse("set_language"), {"language": "en"}).status_code == 302
    assert halfway.post(reverse("logout")).status_code == 302
    assert halfway.get("/").status_code == 302  # anonymous now: the login page
    assert halfway.get("/")["Location"].startswith("/login/")


def test_without_the_requirement_a_staff_member_without_factor_is_let_in(client, tech):
    password_login(client, "alice")
    assert client.get("/").status_code == 200


def test_first_login_under_the_requirement_goes_to_enrolment(client, tech, require_2fa):
    password_login(client, "alice")
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:totp_add"))
    page = client.get(response["Location"]).content.decode()
    assert "Activez la double authentification" in page
    assert "<svg" in page and "data-secret" in page
    # The API says so too.
    assert client.get("/api/v1/tickets/").status_code == 403


def test_enrolment_confirms_with_a_code_then_shows_the_recovery_codes_once(
    client, tech, require_2fa
):
    from .conftest import code_of

    password_login(client, "alice")
    client.get(reverse("identity:totp_add"))
    device = services.totp_pending_device(user=tech.user)
    wrong = client.post(reverse("identity:totp_add"), {"code": "abc"})
    assert wrong.status_code == 200 and "Code incorrect" in wrong.content.decode()
    response = client.post(reverse("identity:totp_add"), {"code": code_of(device)})
    assert response.status_code == 302
    assert response["Location"] == reverse("identity:recovery_codes")
    shown = client.get(response["Location"]).content.decode()
    assert shown.count("<li><code>") == 10
    again = client.get(response["Location"]).content.decode()
    assert "<li><code>" not in again and "10 codes de secours" in again
    assert client.session[services.VERIFIED_KEY] == "totp"
    assert client.get("/").status_code == 200


def test_a_factor_is_not_added_behind_the_back_of_an_unverified_session(halfway):
    # Alice has a factor and has not given it: the enrolment page sends her to verify.
    response = halfway.get(reverse("identity:totp_add"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:verify"))


def test_force_login_keeps_working_for_the_rest_of_the_suite(client, db):
    other = TechnicianFactory()
    client.force_login(other.user)
    assert client.get("/").status_code == 200
