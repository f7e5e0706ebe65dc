"""Roles from the provider's groups claim, and what an SSO session may then do: the same
authorization policy as a password session (a technician cannot dispatch, a manager can; staff
stay out of the client extranet)."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth.models import Group

from staff.models import DEPUTY_GROUP, MANAGER_GROUP
from tests.factories import TechnicianFactory, make_manager

from .conftest import DEPUTIES, MANAGERS, sso_login

pytestmark = pytest.mark.django_db

EMAIL = "julie.martin@oceanis.fr"


@pytest.fixture
def julie(db):
    return TechnicianFactory(user__username="julie", user__email=EMAIL).user


def roles(user):
    return set(
        user.groups.filter(name__in=[MANAGER_GROUP, DEPUTY_GROUP]).values_list("name", flat=True)
    )


def test_a_technician_logged_in_by_sso_cannot_dispatch(client, oidc, julie):
    oidc.person(EMAIL, groups=["oceanis-n1"])
    sso_login(client, oidc, EMAIL)
    assert client.get("/").status_code == 200
    assert client.get("/dispatch/").status_code == 403


def test_a_manager_mapped_by_the_claim_can_dispatch(client, oidc, julie, caplog):
    oidc.person(EMAIL, groups=["oceanis-n1", MANAGERS])
    with caplog.at_level(logging.INFO, logger="sso"):
        sso_login(client, oidc, EMAIL)
    assert roles(julie) == {MANAGER_GROUP}
    assert client.get("/dispatch/").status_code == 200
    assert f"role manager granted for user {julie.pk}" in caplog.text


def test_a_deputy_is_mapped_by_the_claim(client, oidc, julie):
    oidc.person(EMAIL, groups=[DEPUTIES])
    sso_login(client, oidc, EMAIL)
    assert roles(julie) == {DEPUTY_GROUP}
    assert client.get("/dispatch/").status_code == 200


def test_a_role_the_claim_no_longer_lists_is_withdrawn_at_the_next_login(client, oidc, caplog):
    former = make_manager(username="former")
    former.user.email = EMAIL
    former.user.save()
    oidc.person(EMAIL, groups=["oceanis-n1"])
    with caplog.at_level(logging.INFO, logger="sso"):
        sso_login(client, oidc, EMAIL)
    assert roles(former.user) == set()
    assert client.get("/dispatch/").status_code == 403
    assert f"role manager withdrawn for user {former.user.pk}" in caplog.text


def test_roles_are_kept_when_the_token_lacks_the_claim(client, oidc):
    manager = make_manager(username="boss")
    manager.user.email = EMAIL
    manager.user.save()
    oidc.person(EMAIL, groups=None)
    sso_login(client, oidc, EMAIL)
    assert roles(manager.user) == {MANAGER_GROUP}


def test_roles_stay_oceanis_own_without_a_configured_claim(client, oidc, settings):
    settings.OIDC_GROUPS_CLAIM = ""
    manager = make_manager(username="boss")
    manager.user.email = EMAIL
    manager.user.save()
    oidc.person(EMAIL, groups=[])
    sso_login(client, oidc, EMAIL)
    assert roles(manager.user) == {MANAGER_GROUP}


def test_a_created_account_gets_its_role_from_the_claim(client, oidc, settings):
    settings.OIDC_CREATE_USERS = True
    oidc.person("nouvelle.cheffe@oceanis.fr", groups=[MANAGERS])
    sso_login(client, oidc, "nouvelle.cheffe@oceanis.fr")
    group = Group.objects.get(name=MANAGER_GROUP)
    assert group.user_set.filter(email="nouvelle.cheffe@oceanis.fr").exists()
    assert client.get("/dispatch/").status_code == 200


def test_staff_logged_in_by_sso_stay_out_of_the_client_extranet(client, oidc, julie):
    oidc.person(EMAIL)
    sso_login(client, oidc, EMAIL)
    response = client.get("/extranet/")
    assert response.status_code == 302
    assert response["Location"] == "/"
