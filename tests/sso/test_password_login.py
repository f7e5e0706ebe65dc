"""STAFF_PASSWORD_LOGIN off: staff passwords are refused at every password form (back-office,
admin, extranet) with a message naming the way in; client contacts keep theirs."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's


def error_codes(response):
    return [error.code for error in response.context["form"].errors.as_data()["__all__"]]


@pytest.fixture
def no_staff_passwords(settings):
    settings.STAFF_PASSWORD_LOGIN = False


@pytest.fixture
def staff(db):
    return TechnicianFactory(user__username="julie", user__is_superuser=True).user


def test_staff_passwords_still_work_by_default(client, staff):
    response = client.post("/login/", {"username": "julie", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == staff.pk


def test_the_back_office_login_refuses_staff_passwords_naming_the_sso(
    client, staff, oidc, no_staff_passwords
):
    response = client.post("/login/", {"username": "julie", "password": PASSWORD})
    assert response.status_code == 200
    page = response.content.decode()
    assert "La connexion par mot de passe est désactivée pour le personnel" in page
    assert "Se connecter avec Keycloak Oceanis" in page
    assert error_codes(response) == ["staff_password_login_disabled"]
    assert SESSION_KEY not in client.session


def test_the_login_page_says_so_before_anyone_types(client, oidc, no_staff_passwords):
    page = client.get("/login/").content.decode()
    assert "La connexion par mot de passe est désactivée pour le personnel" in page


def test_a_wrong_staff_password_gets_the_usual_answer(client, staff, no_staff_passwords):
    response = client.post("/login/", {"username": "julie", "password": "wrong"})
    assert error_codes(response) == ["invalid_login"]
    assert SESSION_KEY not in client.session


def test_the_admin_login_refuses_staff_passwords(client, staff, no_staff_passwords):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "julie", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "La connexion par mot de passe est désactivée" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302


def test_the_extranet_login_refuses_staff_passwords_too(client, staff, no_staff_passwords):
    response = client.post("/extranet/connexion/", {"username": "julie", "password": PASSWORD})
    assert response.status_code == 200
    assert "La connexion par mot de passe est désactivée" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_client_contacts_keep_their_password_on_the_extranet(client, no_staff_passwords):
    contract = ContractFactory()
    user = UserFactory(username="pierre@client.test", email="pierre@client.test")
    ContactFactory(client=contract.client, email="pierre@client.test", user=user)
    response = client.post(
        "/extranet/connexion/", {"username": "pierre@client.test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert int(client.session[SESSION_KEY]) == user.pk
    assert client.get("/extranet/").status_code == 200


def test_staff_still_come_in_through_the_provider(client, oidc, staff, no_staff_passwords):
    from .conftest import sso_login

    staff.email = "julie@oceanis.fr"
    staff.save()
    oidc.person("julie@oceanis.fr")
    sso_login(client, oidc, "julie@oceanis.fr")
    assert int(client.session[SESSION_KEY]) == staff.pk
    assert client.get("/admin/").status_code == 200


def test_the_admin_login_offers_the_provider_too(client, oidc, no_staff_passwords):
    page = client.get("/admin/login/?next=/admin/").content.decode()
    assert "Se connecter avec Keycloak Oceanis" in page
    assert 'href="/sso/login/?next=/admin/"' in page
    assert "La connexion par mot de passe est désactivée pour le personnel" in page
