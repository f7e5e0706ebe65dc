"""403, 404 and 500 pages look like the product, speak the user's language and lead back home:
staff to their queue, client contacts to the extranet."""

import pytest
from django.test import Client, override_settings
from django.urls import path

from tests.extranet.conftest import make_contact
from tests.factories import ContractFactory, TechnicianFactory


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom)]


@pytest.mark.django_db
def test_a_404_for_staff_is_branded_and_leads_to_their_queue(client, settings):
    settings.DEBUG = False
    client.force_login(TechnicianFactory().user)
    response = client.get("/tickets/OC-1999-000000/", HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Oceanis" in body and "Cette page n'existe pas" in body
    assert 'href="/"' in body and "Retour à mes demandes" in body


@pytest.mark.django_db
def test_a_404_in_the_extranet_leads_to_the_extranet_home_in_english(settings):
    settings.DEBUG = False
    contact = make_contact(ContractFactory().client, language="en")  # the extranet follows it
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(contact.user)
    response = client.get("/extranet/demandes/999999/")
    body = response.content.decode()
    assert response.status_code == 404
    assert 'href="/extranet/"' in body
    assert "Cette page n'existe pas" not in body  # English, not French


@pytest.mark.django_db
def test_a_403_says_why_and_leads_back(client, settings):
    settings.DEBUG = False
    contact = make_contact(ContractFactory().client)
    client.force_login(contact.user)
    response = client.get("/oncall/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "403" in body and "Oceanis" in body and 'href="/extranet/"' in body


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_a_500_is_branded_and_offers_both_homes():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Une erreur nous empêche d'afficher cette page" in body
    assert 'href="/"' in body and 'href="/extranet/"' in body
