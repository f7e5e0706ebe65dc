import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from api.scopes import CLIENT_SCOPES, INTEGRATION_SCOPES
from api.services import token_create
from tests.factories import ContractFactory


@pytest.fixture(autouse=True)
def _api_only_urls(settings):
    settings.ROOT_URLCONF = "tests.api.urls"


@pytest.fixture(autouse=True)
def _loopback_receivers_allowed(settings):
    # The test receivers listen on loopback: allowed the way an administrator allows an
    # internal network (OUTBOUND_ALLOWED_NETWORKS). Client endpoints stay public-only.
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    cache.clear()
    yield
    cache.clear()


def bearer(raw: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


@pytest.fixture
def staff_api(db):
    """A client authenticated with a staff-wide token."""
    token, raw = token_create(name="Téléphonie", scopes=INTEGRATION_SCOPES)
    api = bearer(raw)
    api.token = token
    return api


@pytest.fixture
def acme(db):
    return ContractFactory(client__code="acme", client__name="ACME").client


@pytest.fixture
def globex(db):
    return ContractFactory(client__code="globex", client__name="Globex").client


@pytest.fixture
def acme_api(acme):
    """A client authenticated with a token scoped to ACME."""
    token, raw = token_create(name="Outil ACME", client=acme, scopes=CLIENT_SCOPES)
    api = bearer(raw)
    api.token = token
    return api
