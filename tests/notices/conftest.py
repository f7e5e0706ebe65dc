"""A ticket owned by a technician, a client contact with an extranet account, and helpers to
run the on-commit hooks as production does (the derivation runs inline without a broker)."""

import pytest

from notices.models import Notice
from tests.factories import ContactFactory, TechnicianFactory, UserFactory, make_ticket
from tickets import services


@pytest.fixture(autouse=True)
def _in_app_by_default(settings):
    # Most tests look at the bell only; the e-mail tests choose their preference.
    settings.NOTICES_DEFAULT_DELIVERY = "in_app"
    settings.OCEANIS_BASE_URL = "https://desk.oceanis.test"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def owner(db):
    return TechnicianFactory(user__username="owner", user__first_name="Olivier")


@pytest.fixture
def ticket(owner, manager, committed):
    with committed():
        created = make_ticket(by=manager.user)
        services.ticket_assign(ticket=created, technician=owner, by=manager.user)
    return created


@pytest.fixture
def contact(ticket):
    user = UserFactory(username="client-user", is_staff=False)
    return ContactFactory(client=ticket.client, user=user, email=user.email)


def notices_of(user, **filters):
    return list(Notice.objects.filter(recipient=user, **filters).order_by("pk"))


def kinds_of(user):
    return [n.kind for n in notices_of(user)]
