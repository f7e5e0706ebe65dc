"""Global search by reference, title, client and contact (full text: tests/search/). Tickets are
indexed once their transaction commits: the tests run those callbacks."""

import pytest
from django.urls import reverse

from tests.factories import ClientFactory, ContactFactory, ContractFactory, make_ticket

pytestmark = pytest.mark.django_db

SEARCH = reverse("backoffice:search")


def found(client, q):
    return {t.reference for t in client.get(SEARCH, {"q": q}).context["rows"]}


def test_a_full_reference_opens_the_ticket(tech_client):
    ticket = make_ticket()
    response = tech_client.get(SEARCH, {"q": ticket.reference.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:ticket", args=[ticket.reference])


def test_search_by_partial_reference_title_client_and_contact(
    tech_client, django_capture_on_commit_callbacks
):
    client = ContractFactory(client=ClientFactory(name="Mairie de Givrand")).client
    contact = ContactFactory(client=client, last_name="Durand")
    with django_capture_on_commit_callbacks(execute=True):
        printer = make_ticket(client=client, title="Imprimante bloquée", contact=contact)
        mail = make_ticket(title="Messagerie en panne")
    assert found(tech_client, printer.reference[-6:]) == {printer.reference}
    assert found(tech_client, "imprimante") == {printer.reference}
    assert found(tech_client, "givrand") == {printer.reference}
    assert found(tech_client, "durand") == {printer.reference}
    assert found(tech_client, "messagerie") == {mail.reference}
    # Every word must match somewhere.
    assert found(tech_client, "givrand messagerie") == set()
    assert found(tech_client, "givrand imprimante") == {printer.reference}


def test_an_empty_search_shows_the_form_only(tech_client):
    response = tech_client.get(SEARCH)
    assert response.status_code == 200
    assert response.context["rows"] == []


def test_search_query_count_does_not_grow_with_results(
    tech_client,
    django_assert_num_queries,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(title="Sauvegarde")
    tech_client.get(SEARCH, {"q": "sauvegarde"})
    # Session, user, staff check, the filter's client list, the ranked hits (+ their snippets on
    # PostgreSQL), their ticket rows.
    with django_assert_max_num_queries(7) as few:
        tech_client.get(SEARCH, {"q": "sauvegarde"})
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(10):
            make_ticket(title="Sauvegarde", client=ContractFactory().client)
    with django_assert_num_queries(len(few.captured_queries)):
        response = tech_client.get(SEARCH, {"q": "sauvegarde"})
    assert len(response.context["rows"]) == 11
