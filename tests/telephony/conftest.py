"""Telephony fixtures: a client with a contact whose number is stored in one format, the
on-call line, staff tokens with and without ``calls:write``."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.scopes import CLIENT_SCOPES, INTEGRATION_SCOPES, TokenScope
from api.services import token_create
from sla.policy import HoursPlan
from tests.factories import ContactFactory, ContractFactory, SiteFactory, TechnicianFactory

ONCALL_LINE = "+33 2 51 99 99 99"
DESK_LINE = "02 51 00 00 00"


@pytest.fixture(autouse=True)
def _telephony_settings(settings):
    settings.TELEPHONY_ONCALL_NUMBERS = [ONCALL_LINE]
    settings.PHONE_DEFAULT_REGION = "FR"
    settings.API_THROTTLE_RATES = {"api": "1000000/minute", "alerts": "1000000/minute"}
    cache.clear()
    yield
    cache.clear()


def bearer(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


@pytest.fixture
def switchboard(db):
    """The PBX's token: staff-wide, calls:write only."""
    _token, raw = token_create(name="Wildix", scopes=[TokenScope.CALLS_WRITE])
    return bearer(raw)


@pytest.fixture
def no_calls_token(db):
    _token, raw = token_create(
        name="Supervision", scopes=INTEGRATION_SCOPES - {TokenScope.CALLS_WRITE}
    )
    return bearer(raw)


@pytest.fixture
def vendee(db):
    """Vendée Logistique (24x7 contract), Pierre Martin at 02 51 10 20 00 (typed with dots)."""
    referent = TechnicianFactory(user__username="referent", user__first_name="Rémi")
    contract = ContractFactory(
        client__name="Vendée Logistique",
        client__code="vendee-logistique",
        hours_plan=HoursPlan.ON_CALL,
        referent=referent,
    )
    return contract.client


@pytest.fixture
def pierre(vendee):
    site = SiteFactory(client=vendee, name="Les Herbiers", phone="02 51 66 00 00")
    return ContactFactory(
        client=vendee,
        site=site,
        first_name="Pierre",
        last_name="Martin",
        phone="02.51.10.20.00",
        email="pierre.martin@vendee-logistique.example",
    )


@pytest.fixture
def client_token(vendee):
    _token, raw = token_create(name="Outil client", client=vendee, scopes=CLIENT_SCOPES)
    return bearer(raw)


@pytest.fixture
def julien(db):
    return TechnicianFactory(
        user__username="julien", user__first_name="Julien", user__last_name="Morel"
    )
