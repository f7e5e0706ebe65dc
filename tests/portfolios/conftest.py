from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group

from portfolios.services import ActionDraft, committee_create, portfolio_assign
from staff.models import SERVICE_MANAGER_GROUP
from tests.extranet.conftest import make_contact
from tests.factories import ContractFactory, TechnicianFactory, make_manager


def make_service_manager(username: str, first_name: str = "Claire", last_name: str = "Bernard"):
    tech = TechnicianFactory(
        user__username=username, user__first_name=first_name, user__last_name=last_name
    )
    tech.user.groups.add(Group.objects.get_or_create(name=SERVICE_MANAGER_GROUP)[0])
    return tech.user


@pytest.fixture
def boss(db):
    return make_manager().user


@pytest.fixture
def acme(db):
    return ContractFactory(client__name="Acme Logistique", client__code="acme").client


@pytest.fixture
def globex(db):
    return ContractFactory(client__name="Globex Santé", client__code="globex").client


@pytest.fixture
def claire(db):
    return make_service_manager("claire")


@pytest.fixture
def paul(db):
    return make_service_manager("paul", "Paul", "Renaud")


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="tech").user


@pytest.fixture
def portfolios(boss, acme, globex, claire, paul):
    """Claire looks after Acme, Paul after Globex."""
    portfolio_assign(client=acme, service_manager=claire, by=boss)
    portfolio_assign(client=globex, service_manager=paul, by=boss)


@pytest.fixture
def acme_contact(acme):
    return make_contact(acme, username="marie.acme")


@pytest.fixture
def globex_contact(globex):
    return make_contact(globex, username="jean.globex")


def committee_for(client, by, decisions="Supervision 24x7 validée", action="Étendre la sonde"):
    return committee_create(
        client=client,
        held_on=dt.date(2026, 11, 20),
        by=by,
        decisions=decisions,
        actions=[ActionDraft(description=action, owner_name="DSI")],
    )
