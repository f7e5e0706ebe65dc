"""Staff log in through the local OpenID provider (a real process on loopback): matched by
verified e-mail to an existing technician, refused with the reason otherwise, and refused when
anything the provider answers does not verify."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from staff.models import TECHNICIAN_GROUP, Technician
from tests.factories import ContactFactory, TechnicianFactory, UserFactory

from .conftest import callback_url, sso_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def julie(db):
    return TechnicianFactory(
        user__username="julie", user__email="julie.martin@oceanis.fr", user__first_name="Julie"
    ).user


def test_a_technician_logs_in_through_the_provider_and_lands_on_the_back_office(
    client, oidc, julie
):
    oidc.person("julie.martin@oceanis.fr")
    response = sso_login(client, oidc, "julie.martin@oceanis.fr")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert int(client.session[SESSION_KEY]) == julie.pk
    home = client.get("/")
    assert home.status_code == 200
    assert "Julie" in home.content.decode()


def test_the_flow_uses_state_nonce_and_pkce_s256(client, oidc, julie):
    oidc.person("julie.martin@oceanis.fr")
    sso_login(client, oidc, "julie.martin@oceanis.fr")
    authorize, token = oidc.log()
    params = authorize["params"]
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 32 and len(params["nonce"]) >= 32
    assert params["redirect_uri"] == "http://testserver/sso/callback/"
    assert set(params["scope"].split()) >= {"openid", "email"}
    assert len(token["params"]["code_verifier"]) >= 43


def test_the_next_page_is_followed_after_the_round_trip(client, oidc, julie):
    oidc.person("julie.martin@oceanis.fr")
    response = sso_login(client, oidc, "julie.martin@oceanis.fr", next_url="/dispatch/")
    assert response["Location"] == "/dispatch/"


def test_a_next_page_on_another_site_is_ignored(client, oidc, julie):
    oidc.person("julie.martin@oceanis.fr")
    response = sso_login(client, oidc, "julie.martin@oceanis.fr", next_url="https://evil.example/")
    assert response["Location"] == "/"


def test_the_email_is_matched_whatever_its_case(client, oidc, julie):
    oidc.person("Julie.Martin@Oceanis.FR")
    sso_login(client, oidc, "Julie.Martin@Oceanis.FR")
    assert int(client.session[SESSION_KEY]) == julie.pk


def test_the_provider_login_counts_as_the_second_factor(client, oidc, julie, settings):
    settings.STAFF_REQUIRE_2FA = True
    oidc.person("julie.martin@oceanis.fr")
    sso_login(client, oidc, "julie.martin@oceanis.fr")
    assert client.session["identity_verified"] == "oidc"
    assert client.get("/").status_code == 200


def test_the_second_factor_is_still_owed_when_the_provider_is_not_trusted_for_it(
    client, oidc, julie, settings
):
    settings.STAFF_REQUIRE_2FA = True
    settings.OIDC_SATISFIES_2FA = False
    oidc.person("julie.martin@oceanis.fr")
    sso_login(client, oidc, "julie.martin@oceanis.fr")
    assert int(client.session[SESSION_KEY]) == julie.pk
    assert "identity_verified" not in client.session
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("identity:totp_add"))


def refused(response, status=403):
    assert response.status_code == status
    return response.content.decode()


def test_an_unknown_email_is_refused_with_the_reason(client, oidc):
    oidc.person("stranger@oceanis.fr")
    page = refused(sso_login(client, oidc, "stranger@oceanis.fr"))
    assert "Aucun compte du personnel d&#x27;Oceanis ne porte l&#x27;adresse" in page
    assert "stranger@oceanis.fr" in page
    assert SESSION_KEY not in client.session
    assert not get_user_model().objects.filter(email="stranger@oceanis.fr").exists()


def test_an_unknown_email_gets_a_staff_account_when_creation_is_allowed(client, oidc, settings):
    settings.OIDC_CREATE_USERS = True
    oidc.person("new.tech@oceanis.fr", given_name="Nina", family_name="Perrin")
    response = sso_login(client, oidc, "new.tech@oceanis.fr")
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.tech@oceanis.fr")
    assert int(client.session[SESSION_KEY]) == user.pk
    assert user.is_staff and user.is_active and not user.has_usable_password()
    assert (user.first_name, user.last_name) == ("Nina", "Perrin")
    assert Technician.objects.filter(user=user).exists()
    assert list(user.groups.values_list("name", flat=True)) == [TECHNICIAN_GROUP]
    assert client.get("/").status_code == 200


def test_created_accounts_join_the_configured_default_group(client, oidc, settings):
    settings.OIDC_CREATE_USERS = True
    settings.OIDC_DEFAULT_GROUP = "n1"
    oidc.person("new.tech@oceanis.fr")
    sso_login(client, oidc, "new.tech@oceanis.fr")
    user = get_user_model().objects.get(email="new.tech@oceanis.fr")
    assert list(user.groups.values_list("name", flat=True)) == ["n1"]
    assert Group.objects.filter(name="n1").exists()


def test_a_client_contact_is_refused_even_when_creation_is_allowed(client, oidc, settings):
    settings.OIDC_CREATE_USERS = True
    contact = ContactFactory(email="pierre@client.test")
    contact.user = UserFactory(username="pierre", email="pierre@client.test", is_staff=False)
    contact.save()
    oidc.person("pierre@client.test")
    page = refused(sso_login(client, oidc, "pierre@client.test"))
    assert "réservée au personnel d&#x27;Oceanis" in page
    assert SESSION_KEY not in client.session
    assert get_user_model().objects.filter(email__iexact="pierre@client.test").count() == 1


def test_an_inactive_technician_is_refused(client, oidc, julie):
    julie.is_active = False
    julie.save()
    oidc.person("julie.martin@oceanis.fr")
    page = refused(sso_login(client, oidc, "julie.martin@oceanis.fr"))
    assert "Ce compte est désactivé" in page
    assert SESSION_KEY not in client.session


def test_a_staff_account_without_technician_profile_is_refused(client, oidc):
    UserFactory(username="ops", email="ops@oceanis.fr", is_staff=True)
    oidc.person("ops@oceanis.fr")
    page = refused(sso_login(client, oidc, "ops@oceanis.fr"))
    assert "pas de profil technicien" in page


def test_two_accounts_with_the_address_are_refused(client, oidc, julie):
    UserFactory(username="julie2", email="JULIE.MARTIN@oceanis.fr", is_staff=True)
    oidc.person("julie.martin@oceanis.fr")
    page = refused(sso_login(client, oidc, "julie.martin@oceanis.fr"))
    assert "Plusieurs comptes" in page
    assert SESSION_KEY not in client.session


def test_an_address_the_provider_did_not_verify_is_refused(client, oidc, julie):
    oidc.person("julie.martin@oceanis.fr", verified=False)
    page = refused(sso_login(client, oidc, "julie.martin@oceanis.fr"))
    assert "n&#x27;a pas vérifié l&#x27;adresse" in page
    assert SESSION_KEY not in client.session


def test_the_verified_flag_may_be_waived_for_providers_that_never_send_it(
    client, oidc, julie, settings
):
    settings.OIDC_REQUIRE_VERIFIED_EMAIL = False
    oidc.person("julie.martin@oceanis.fr", verified=None)
    sso_login(client, oidc, "julie.martin@oceanis.fr")
    assert int(client.session[SESSION_KEY]) == julie.pk


@pytest.mark.parametrize(
    "misbehaviour", ["nonce", "signature", "audience", "issuer", "expired", "userinfo_subject"]
)
def test_an_answer_that_does_not_verify_is_refused(client, oidc, julie, misbehaviour):
    oidc.person("julie.martin@oceanis.fr")
    oidc.misbehave = [misbehaviour]
    page = refused(sso_login(client, oidc, "julie.martin@oceanis.fr"), status=400)
    assert "n&#x27;a pas pu être vérifiée" in page
    assert SESSION_KEY not in client.session


def test_a_callback_with_another_state_is_refused(client, oidc, julie):
    oidc.person("julie.martin@oceanis.fr")
    oidc.misbehave = ["state"]
    page = refused(sso_login(client, oidc, "julie.martin@oceanis.fr"), status=400)
    assert "ne correspond à aucune connexion" in page
    assert SESSION_KEY not in client.session


def test_a_callback_replayed_after_use_is_refused(client, oidc, julie):
    oidc.person("julie.martin@oceanis.fr")
    callback = callback_url(client, oidc, "julie.martin@oceanis.fr")
    assert client.get(callback).status_code == 302
    client.post("/logout/")
    assert refused(client.get(callback), status=400)
    assert SESSION_KEY not in client.session


def test_a_callback_in_another_browser_is_refused(client, oidc, julie):
    oidc.person("julie.martin@oceanis.fr")
    callback = callback_url(client, oidc, "julie.martin@oceanis.fr")
    other = Client()
    refused(other.get(callback), status=400)
    assert SESSION_KEY not in other.session


def test_the_user_refusing_at_the_provider_is_told(client, oidc, julie):
    oidc.person("julie.martin@oceanis.fr")
    oidc.misbehave = ["deny"]
    page = refused(sso_login(client, oidc, "julie.martin@oceanis.fr"))
    assert "access_denied" in page


def test_a_wrong_client_secret_is_refused_without_an_error_page(client, oidc, julie, settings):
    settings.OIDC_RP_CLIENT_SECRET = "not-the-secret"
    oidc.person("julie.martin@oceanis.fr")
    refused(sso_login(client, oidc, "julie.martin@oceanis.fr"), status=502)
    assert SESSION_KEY not in client.session


def test_an_unreachable_provider_is_told_without_an_error_page(client, oidc, settings):
    settings.OIDC_OP_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    page = refused(client.get("/sso/login/"), status=502)
    assert "injoignable" in page


def test_explicit_endpoints_need_no_discovery(client, oidc, julie, settings):
    base = oidc.base
    settings.OIDC_OP_ISSUER = base
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{base}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/token"
    settings.OIDC_OP_USER_ENDPOINT = ""
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/jwks"
    oidc.person("julie.martin@oceanis.fr")
    sso_login(client, oidc, "julie.martin@oceanis.fr")
    assert int(client.session[SESSION_KEY]) == julie.pk


def test_the_login_page_offers_the_provider_and_keeps_the_next_page(client, oidc):
    page = client.get("/login/?next=/dispatch/").content.decode()
    assert "Se connecter avec Keycloak Oceanis" in page
    assert 'href="/sso/login/?next=/dispatch/"' in page


def test_without_a_client_id_there_is_no_sso(client, settings):
    settings.OIDC_RP_CLIENT_ID = ""
    assert "Se connecter avec" not in client.get("/login/").content.decode()
    assert client.get("/sso/login/").status_code == 404
    assert client.get("/sso/callback/?code=x&state=y").status_code == 404


def test_a_callback_without_parameters_is_refused_not_a_500(client, oidc):
    assert client.get("/sso/callback/").status_code == 400
    assert client.get("/sso/callback/?state=&code=").status_code == 400


def test_the_authorize_redirect_carries_our_client(client, oidc):
    start = client.get("/sso/login/")
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["client_id"] == ["oceanis-desk"]
    assert query["response_type"] == ["code"]


def test_a_symmetric_signature_algorithm_is_refused(client, oidc, julie, settings):
    # HS256 would be keyed with our own client secret, which the provider's side also knows.
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    oidc.person("julie.martin@oceanis.fr")
    refused(sso_login(client, oidc, "julie.martin@oceanis.fr"), status=400)
    assert SESSION_KEY not in client.session


def test_the_client_secret_may_travel_in_a_basic_header(client, oidc, julie, settings):
    settings.OIDC_TOKEN_USE_BASIC_AUTH = True
    oidc.person("julie.martin@oceanis.fr")
    sso_login(client, oidc, "julie.martin@oceanis.fr")
    assert int(client.session[SESSION_KEY]) == julie.pk
    token = oidc.log()[-1]
    assert token["basic"] is True
    assert "client_secret" not in token["params"]
