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


def _portal(contact):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(contact.user)
    return api


def _ids(api, resource):
    response = api.get(f"/api/v1/{resource}/")
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def two_sites(acme):
    from clients.models import Contact
    from tests.factories import UserFactory

    nantes, cholet = SiteFactory(client=acme), SiteFactory(client=acme)
    restricted = ContactFactory(
        client=acme, site=nantes, visibility=Contact.Visibility.OWN_SITE, user=UserFactory()
    )
    return {
        "nantes": nantes,
        "cholet": cholet,
        "restricted": restricted,
        "colleague": ContactFactory(client=acme, site=nantes),
        "elsewhere": ContactFactory(client=acme, site=cholet),
        "no_site": ContactFactory(client=acme),
    }


def test_a_site_restricted_contact_sees_only_their_sites_sites_and_contacts(two_sites):
    api = _portal(two_sites["restricted"])
    assert _ids(api, "sites") == {two_sites["nantes"].pk}
    assert _ids(api, "contacts") == {two_sites["restricted"].pk, two_sites["colleague"].pk}
    for hidden in ("cholet",):
        assert api.get(f"/api/v1/sites/{two_sites[hidden].pk}/").status_code == 404
    for hidden in ("elsewhere", "no_site"):
        assert api.get(f"/api/v1/contacts/{two_sites[hidden].pk}/").status_code == 404


def test_a_restricted_contact_without_a_site_sees_no_site_and_only_themselves(two_sites):
    contact = two_sites["restricted"]
    contact.site = None
    contact.save()
    api = _portal(contact)
    assert _ids(api, "sites") == set()
    assert _ids(api, "contacts") == {contact.pk}


@pytest.mark.parametrize("widen", ["client_admin", "whole_client"])
def test_a_client_admin_or_whole_client_contact_sees_every_site_and_contact(two_sites, widen):
    from clients.models import Contact

    contact = two_sites["restricted"]
    if widen == "client_admin":
        contact.is_client_admin = True
    else:
        contact.visibility = Contact.Visibility.WHOLE_CLIENT
    contact.save()
    api = _portal(contact)
    assert _ids(api, "sites") == {two_sites["nantes"].pk, two_sites["cholet"].pk}
    assert len(_ids(api, "contacts")) == 4


def test_a_client_token_still_sees_every_site_of_its_client(acme_api, two_sites):
    assert _ids(acme_api, "sites") == {two_sites["nantes"].pk, two_sites["cholet"].pk}
    assert len(_ids(acme_api, "contacts")) == 4


@pytest.mark.parametrize("resource", ["sites", "contacts"])
def test_a_site_restricted_contacts_lists_cost_a_fixed_number_of_queries(
    two_sites, resource, django_assert_num_queries
):
    for _ in range(3):
        ContactFactory(client=two_sites["nantes"].client, site=two_sites["nantes"])
    api = _portal(two_sites["restricted"])
    api.get(f"/api/v1/{resource}/")
    # session, user, contact, its client, the page
    with django_assert_num_queries(5):
        assert api.get(f"/api/v1/{resource}/").status_code == 200
