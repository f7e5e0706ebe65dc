from __future__ import annotations

import pytest

from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, make_manager


@pytest.fixture(autouse=True)
def _eager_without_grouping(settings, tmp_path):
    from oceanis.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTIFICATIONS_GROUPING_SECONDS = 0
    settings.OCEANIS_BASE_URL = "https://desk.example.test"
    previous = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def referent(db):
    return TechnicianFactory(user__username="referent", user__email="referent@oceanis.test")


@pytest.fixture
def acme(referent):
    return ContractFactory(client__name="Acme", client__code="acme", referent=referent).client


@pytest.fixture
def marie(acme):
    return ContactFactory(
        client=acme, first_name="Marie", last_name="Dupont", email="marie.dupont@acme.test"
    )


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="jmartin", user__email="jmartin@oceanis.test")


@pytest.fixture
def manager(db):
    return make_manager()
