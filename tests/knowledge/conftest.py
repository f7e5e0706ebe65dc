import pytest
from django.db import connection

from tests.factories import ContactFactory, ContractFactory, TechnicianFactory, UserFactory


@pytest.fixture
def indexed(django_capture_on_commit_callbacks):
    """Run the after-commit indexing of what the block writes (tests never commit)."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture
def acme(db):
    return ContractFactory(client__code="acme", client__name="ACME Logistique").client


@pytest.fixture
def globex(db):
    return ContractFactory(client__code="globex", client__name="Globex Industrie").client


@pytest.fixture
def acme_contact(acme):
    return ContactFactory(client=acme, user=UserFactory(username="acme-contact"))


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="tech-search")


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL full-text search"
)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite fallback")
