import pytest
from django.core.cache import cache

from api.services import token_create
from tests.api.conftest import bearer
from tests.factories import ContractFactory


@pytest.fixture(autouse=True)
def _api_only_urls(settings):
    settings.ROOT_URLCONF = "tests.alerts.urls"
    cache.clear()


@pytest.fixture
def acme(db):
    return ContractFactory(client__code="acme", client__name="ACME").client


@pytest.fixture
def monitoring(db):
    token, raw = token_create(name="Supervision", scopes=["alerts:write"])
    api = bearer(raw)
    api.token = token
    return api


def alert(**fields):
    """A generic alert for ACME with defaults."""
    return {"host": "srv1", "service": "disk", "severity": "warning", "client": "acme", **fields}
