"""Browsers logging in through the real login pages, so each session records its address and
browser like a person's would."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ContactFactory, TechnicianFactory, UserFactory

PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def browser(address: str = "203.0.113.10", agent: str = FIREFOX_WINDOWS) -> Client:
    return Client(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)


def staff_login(user, **kwargs) -> Client:
    client = browser(**kwargs)
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def contact_login(user, **kwargs) -> Client:
    client = browser(**kwargs)
    response = client.post(
        reverse("extranet:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="tech").user


@pytest.fixture
def other_tech(db):
    return TechnicianFactory(user__username="tech2").user


def make_contact_user(client_org=None, username="pierre"):
    user = UserFactory(username=username)
    kwargs = {"client": client_org} if client_org is not None else {}
    ContactFactory(user=user, email=user.email, **kwargs)
    return user


@pytest.fixture
def contact(contract):
    return make_contact_user(contract.client, "pierre")


@pytest.fixture
def other_contact(db):
    from tests.factories import ContractFactory

    return make_contact_user(ContractFactory().client, "jean")
