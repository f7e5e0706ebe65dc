import datetime as dt

import pytest
from django.utils import timezone

from incidents import services
from tests.factories import ClientFactory, ContactFactory, ContractFactory, make_ticket

from .helpers import contact_with_login


@pytest.fixture
def tenants(db):
    """Two clients with contracts and contacts; only the first one will be affected."""
    affected = ContractFactory(client=ClientFactory(name="Alpha", code="alpha")).client
    affected.notification_recipients = "Info@Alpha.test; ops@alpha.test"
    affected.save()
    other = ContractFactory(client=ClientFactory(name="Bravo", code="bravo")).client
    return {
        "affected": affected,
        "other": other,
        "a_user": contact_with_login(affected, "alice"),
        "a_plain": ContactFactory(client=affected, email="Bob@Alpha.test"),
        "a_inactive": ContactFactory(client=affected, email="gone@alpha.test", is_active=False),
        "a_no_email": ContactFactory(client=affected, email=""),
        "b_user": contact_with_login(other, "bruno"),
        "b_plain": ContactFactory(client=other, email="carla@bravo.test"),
    }


@pytest.fixture
def incident(tenants, technician):
    ticket = make_ticket(client=tenants["affected"], title="Messagerie indisponible")
    return services.incident_create(
        title="Panne de la messagerie hébergée",
        services="Messagerie Exchange\nWebmail",
        by=technician.user,
        tickets=[ticket],
        started_at=timezone.now() - dt.timedelta(minutes=20),
    )
