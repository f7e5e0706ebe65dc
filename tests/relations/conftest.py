"""People and tickets of the links and merge tests: one client with two contacts, another
client, a technician and the manager; Celery eager and no mail grouping."""

from __future__ import annotations

import pytest

from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, make_manager


@pytest.fixture(autouse=True)
def _eager_without_grouping(settings, tmp_path):
    from oceanis.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTIFICATIONS_GROUPING_SECONDS = 0
    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def acme(db):
    return ContractFactory(client__name="Acme", client__code="acme").client


@pytest.fixture
def marie(acme):
    return ContactFactory(
        client=acme, first_name="Marie", last_name="Dupont", email="marie.dupont@acme.test"
    )


@pytest.fixture
def paul(acme):
    return ContactFactory(
        client=acme, first_name="Paul", last_name="Durand", email="paul.durand@acme.test"
    )


@pytest.fixture
def other_client(db):
    return ContractFactory(client__name="Globex", client__code="globex").client


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="jmartin", user__email="jmartin@oceanis.test")


@pytest.fixture
def manager(db):
    return make_manager()
