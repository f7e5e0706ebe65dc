import pytest

from tests.factories import ContactFactory, ContractFactory, SiteFactory, TechnicianFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(acme, globex):
    return {
        "acme_site": SiteFactory(client=acme),
        "globex_site": SiteFactory(client=globex),
        "acme_contact": ContactFactory(client=acme),
        "globex_contact": ContactFactory(client=globex),
    }


@pytest.mark.parametrize("resource", ["clients", "sites", "contacts", "contracts"])
def test_a_client_token_lists_only_its_own_reference_data(acme_api, directory, resource):
    response = acme_api.get(f"/api/v1/{resource}/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows and all((r.get("client") or r.get("code")) == "acme" for r in rows)


@pytest.mark.parametrize("resource,key", [("sites", "globex_site"), ("contacts", "globex_contact")])
def test_another_tenants_object_is_404(acme_api, directory, resource, key):
    response = acme_api.get(f"/api/v1/{resource}/{directory[key].pk}/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_another_client_and_contract_are_404(acme_api, globex):
    assert acme_api.get("/api/v1/clients/globex/").status_code == 404
    contract = globex.contracts.get()
    assert acme_api.get(f"/api/v1/contracts/{contract.pk}/").status_code == 404
    assert acme_api.get("/api/v1/clients/acme/").json()["code"] == "acme"


def test_staff_lists_everything_and_filters_by_client(staff_api, directory):
    sites = staff_api.get("/api/v1/sites/").json()["results"]
    assert {s["client"] for s in sites} == {"acme", "globex"}
    sites = staff_api.get("/api/v1/sites/?client=globex").json()["results"]
    assert [s["id"] for s in sites] == [directory["globex_site"].pk]


def test_technicians_are_visible_to_staff_only(staff_api, acme_api):
    tech = TechnicianFactory(user__first_name="Alice", user__last_name="Martin")
    rows = staff_api.get("/api/v1/technicians/").json()["results"]
    assert rows == [
        {
            "id": tech.pk,
            "name": "Alice Martin",
            "level": "standard",
            "team": "service_desk",
            "available": True,
        }
    ]
    assert acme_api.get("/api/v1/technicians/").status_code == 403


@pytest.mark.parametrize("resource", ["clients", "sites", "contacts", "contracts", "technicians"])
def test_reference_lists_cost_a_fixed_number_of_queries(
    staff_api, resource, django_assert_num_queries
):
    for _ in range(4):
        contract = ContractFactory()
        SiteFactory(client=contract.client)
        ContactFactory(client=contract.client)
        TechnicianFactory()
    staff_api.get(f"/api/v1/{resource}/")
    with django_assert_num_queries(2):
        response = staff_api.get(f"/api/v1/{resource}/")
    assert len(response.json()["results"]) >= 4
