import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, UserFactory

PARIS = ZoneInfo("Europe/Paris")
# A Monday morning inside every calendar's business hours.
MONDAY_9 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)


@pytest.fixture
def tech_client(client, technician):
    client.force_login(technician.user)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager.user)
    return client


@pytest.fixture
def contact_user(db):
    """A client contact with an extranet login: never staff."""
    contact = ContactFactory(user=UserFactory(username="contact-login"))
    return contact.user


@pytest.fixture
def other_tech(db):
    return TechnicianFactory(user__username="colleague", user__first_name="Paul")


@pytest.fixture
def referent_contract(db):
    referent = TechnicianFactory(user__username="referent", user__first_name="Rémi")
    return ContractFactory(referent=referent)
