import os
import uuid

import pytest
from django.conf import settings
from django.utils import translation

from tests.factories import ContractFactory, TechnicianFactory, make_manager
from tests.support.browser import browser, shared_chromium  # noqa: F401 - the browser fixture
from tests.support.database import install_fast_flush
from tests.support.template_db import cloned_test_databases

# The test databases need not survive a crash of PostgreSQL: a commit need not wait for its WAL
# to reach the disk (about 10 ms each here; transactional tests, the live server, schemathesis
# and migrations commit thousands of times). What other connections see is unchanged. Through
# libpq's environment, so the subprocesses the tests start (Celery workers, gunicorn) do the same.
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")
# The Celery workers and runners the tests start wait on timeouts while the other test worker
# keeps a core busy: at production's lower priority they could starve (tests/oceanis/
# test_niceness.py sets it explicitly).
os.environ.setdefault("BACKGROUND_NICENESS", "0")
install_fast_flush()  # after each transactional test (tests/support/database.py)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    request,
    django_db_modify_db_settings_parallel_suffix,
    django_db_createdb,
    django_db_use_migrations,
):
    # Migrate once, then copy (tests/support/template_db.py); after the xdist suffix is set and
    # before pytest-django's django_db_setup creates the databases.
    if not django_db_use_migrations:
        yield
        return
    run = getattr(request.config, "workerinput", {}).get("testrunuid") or uuid.uuid4().hex
    with cloned_test_databases(rebuild=django_db_createdb, run=run):
        yield


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


@pytest.fixture(autouse=True)
def _second_factor_optional(settings):
    # Staff second factor is on by default with DEBUG off (production): the suite's logins are
    # password-only unless a test (tests/identity) turns STAFF_REQUIRE_2FA on.
    settings.STAFF_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def _fresh_calendars():
    # The calendars (exceptions, on-call plans) are cached per process; each test starts from
    # its own empty database, so from no exceptions, without a query.
    from calendars import registry

    registry.reset(empty=True)
    yield
    registry.reset(empty=True)


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _private_media_root(settings, _media_root):
    # Uploads go to a directory of this test process (one per xdist worker), not to the
    # developer's var/media, which parallel workers and earlier runs would share.
    settings.MEDIA_ROOT = _media_root


# Under `make test` (pytest-xdist, --dist loadgroup) the tests that bring up heavy processes run
# one at a time on a single worker each: two Chromiums, or two outage scenes (Redis, Celery
# workers, sinks), at once on a 2-core machine would starve the timeouts they wait on. The other
# worker meanwhile takes the light tests; xdist hands out the largest groups first.
SERIAL_GROUPS = ("browser", "outage")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the items
def pytest_collection_modifyitems(config, items):
    if not config.pluginmanager.hasplugin("xdist"):
        return  # `-p no:xdist`: the marker would not even be registered
    for item in items:
        for group in SERIAL_GROUPS:
            if item.get_closest_marker(group):
                item.add_marker(pytest.mark.xdist_group(group))
                break


def pytest_runtest_setup(item):
    # The browser tests share one Chromium per process (tests/support/browser.py); it is let go
    # before any other test, which must not find Playwright's event loop running on its thread.
    if item.get_closest_marker("browser") is None:
        shared_chromium.stop()


def pytest_sessionfinish(session):
    shared_chromium.stop()


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


@pytest.fixture(autouse=True)
def _french_until_a_test_says_otherwise():
    """Each test starts in the site's language: a request in English (LocaleMiddleware activates
    the reader's language on the thread and nothing resets it) must not leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
