"""The new-ticket type-ahead finds a contact by "first last" or "last first", without accents,
and by phone whatever the typed format; the contact picked is preselected."""

import pytest
from django.urls import reverse

from tests.factories import ContactFactory, ContractFactory, SiteFactory, TechnicianFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    vendee = ContractFactory(client__name="Vendée Logistique", client__code="vendee").client
    brioche = ContractFactory(client__name="Brioche Vendéenne", client__code="brioche").client
    pierre = ContactFactory(
        client=vendee, first_name="Pierre", last_name="Martin", phone="02.51.10.20.00"
    )
    helene = ContactFactory(
        client=brioche, first_name="Hélène", last_name="Lefèvre", mobile="06 12 34 56 78"
    )
    SiteFactory(client=brioche, name="Usine", phone="+33 2 40 11 22 33")
    return {"pierre": pierre, "helene": helene, "vendee": vendee, "brioche": brioche}


@pytest.fixture
def tech(client):
    client.force_login(TechnicianFactory().user)
    return client


def search(client, query):
    response = client.get(reverse("backoffice:client_search"), {"q": query})
    assert response.status_code == 200
    return (
        [c.code for c in response.context["clients"]],
        [str(p) for p in response.context["contacts"]],
    )


@pytest.mark.parametrize("query", ["Pierre Martin", "Martin Pierre", "martin", "PIERRE mar"])
def test_a_name_in_either_order(tech, people, query):
    clients, contacts = search(tech, query)
    assert contacts == ["Pierre Martin"] and clients == ["vendee"]


@pytest.mark.parametrize("query", ["Hélène", "helene", "HELENE lefevre", "lefèvre hél"])
def test_accents_are_ignored(tech, people, query):
    assert search(tech, query)[1] == ["Hélène Lefèvre"]


def test_accents_are_ignored_in_client_names_too(tech, people):
    assert search(tech, "vendee")[0] == ["brioche", "vendee"]  # "Brioche Vendéenne" too
    assert search(tech, "VENDEE logistique")[0] == ["vendee"]


@pytest.mark.parametrize(
    "query", ["0251102000", "02.51.10.20.00", "+33 2 51 10 20 00", "02 51 10", "+33251102000"]
)
def test_a_phone_number_whatever_the_typed_format(tech, people, query):
    clients, contacts = search(tech, query)
    assert contacts == ["Pierre Martin"] and clients == ["vendee"]


def test_mobile_and_site_numbers_find_their_client(tech, people):
    assert search(tech, "0612345678") == (["brioche"], ["Hélène Lefèvre"])
    assert search(tech, "02 40 11 22 33") == (["brioche"], [])


def test_the_results_are_pinned_in_queries(tech, people, django_assert_max_num_queries):
    for n in range(15):
        ContactFactory(client=people["vendee"], last_name=f"Martin{n}")
    with django_assert_max_num_queries(6):
        clients, contacts = search(tech, "martin")
    assert len(contacts) == 10  # the type-ahead shows ten at most


def test_picking_a_contact_preselects_them(tech, people):
    pierre = people["pierre"]
    response = tech.get(
        reverse("backoffice:client_fields"), {"client": pierre.client_id, "contact": pierre.pk}
    )
    assert response.context["form"].initial["contact"] == pierre
    assert "selected>Pierre Martin" in response.content.decode().replace('" selected', " selected")


def test_a_contact_of_another_client_is_not_preselected(tech, people):
    response = tech.get(
        reverse("backoffice:client_fields"),
        {"client": people["vendee"].pk, "contact": people["helene"].pk},
    )
    assert response.context["form"].initial["contact"] is None
