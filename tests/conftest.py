import pytest

from tests.factories import ContractFactory, TechnicianFactory, make_manager
from tests.support import browser  # noqa: F401 - shared Chromium fixture for browser tests


@pytest.fixture
def technician(db):
    return TechnicianFactory(user__username="tech")


@pytest.fixture
def manager(db):
    return make_manager()


@pytest.fixture
def contract(db):
    return ContractFactory()


@pytest.fixture
def client_org(contract):
    return contract.client


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2's deliberate slowness is pointless in tests that create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_report_header(config):
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


@pytest.fixture(scope="session", autouse=True)
def _ci_runs_on_postgresql():
    """CI must exercise the production database: refuse to pass silently on SQLite."""
    import os

    from django.db import connection

    if os.environ.get("OCEANIS_REQUIRE_POSTGRES") and connection.vendor != "postgresql":
        pytest.exit("OCEANIS_REQUIRE_POSTGRES is set but the tests are not on PostgreSQL", 3)
