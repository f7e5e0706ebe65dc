"""New ticket form: type-ahead, client-scoped fields, contract panel, GTI preview, creation."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from clients.models import Contract
from sla.policy import HoursPlan, Urgency
from tests.factories import ClientFactory, ContactFactory, ContractFactory, SiteFactory
from tickets.models import Channel, EventKind, State, Ticket

from .conftest import PARIS

pytestmark = pytest.mark.django_db

NEW = reverse("backoffice:ticket_new")


@pytest.fixture
def vendee():
    contract = ContractFactory(
        client__name="Vendée Logistique",
        client__code="vendee-logistique",
        hours_plan=HoursPlan.ON_CALL,
        billing=Contract.Billing.FLAT_FEE,
    )
    return contract


def form_data(client, **overrides):
    data = {
        "client": client.pk,
        "channel": Channel.PHONE,
        "kind": "request",
        "title": "Serveur de fichiers inaccessible",
        "description": "Appel de M. Martin",
        "urgency": Urgency.CRITICAL,
        "complexity": "standard",
        "technical_domain": "systems",
        "service_type": "fix",
        "equipment": "SRV-01",
    }
    data.update(overrides)
    return data


def test_type_ahead_finds_clients_by_name_code_or_contact(tech_client, vendee):
    ContactFactory(client=vendee.client, last_name="Martin")
    ClientFactory(name="Inactive Vendée", is_active=False)
    url = reverse("backoffice:client_search")
    for query in ("vendée", "VENDEE-LOG", "martin"):
        body = tech_client.get(url, {"q": query}).content.decode()
        assert "Vendée Logistique" in body, query
        assert "Inactive" not in body
    assert "Encore un caractère" in tech_client.get(url, {"q": "v"}).content.decode()
    assert "Aucun client actif" in tech_client.get(url, {"q": "zzz"}).content.decode()


def test_choosing_a_client_shows_its_contacts_sites_contract_and_billable_preset(
    tech_client, vendee
):
    site = SiteFactory(client=vendee.client, name="Les Herbiers")
    contact = ContactFactory(client=vendee.client, site=site, first_name="Anne")
    stranger = ContactFactory(first_name="Zoé")
    response = tech_client.get(reverse("backoffice:client_fields"), {"client": vendee.client.pk})
    body = response.content.decode()
    assert response["HX-Trigger"] == "client-chosen"
    assert str(contact) in body and "Les Herbiers" in body
    assert str(stranger) not in body
    assert "Astreinte 24h/24 7j/7" in body  # the subscribed hours plan
    assert "Heures ouvrées (8h30–12h30, 14h–18h)" in body  # 8 h / 16 h on Oceanis hours
    assert 'name="billable"' in body and "checked" not in body.split('name="billable"')[1][:40]


def test_a_billable_contract_presets_billable(tech_client):
    contract = ContractFactory(billing=Contract.Billing.BILLABLE)
    body = tech_client.get(
        reverse("backoffice:client_fields"), {"client": contract.client.pk}
    ).content.decode()
    assert "checked" in body.split('name="billable"')[1][:40]


def test_unknown_or_malformed_client_is_a_404(tech_client):
    url = reverse("backoffice:client_fields")
    assert tech_client.get(url, {"client": "999999"}).status_code == 404
    assert tech_client.get(url, {"client": "1 OR 1=1"}).status_code == 404


def test_the_deadline_preview_follows_the_contract_and_explains_itself(tech_client):
    contract = ContractFactory(hours_plan=HoursPlan.STANDARD)
    friday = dt.datetime(2026, 3, 6, 17, 30, tzinfo=PARIS)
    url = reverse("backoffice:gti_preview")
    with time_machine.travel(friday, tick=False):
        body = tech_client.get(
            url, {"client": contract.client.pk, "urgency": Urgency.VERY_BLOCKING}
        ).content.decode()
    # 30 min on Friday, then 3 h 30 on Monday: 08:30-12:00.
    assert "lundi 09/03/2026 12:00" in body
    assert "30 min ven. 06/03 + 3 h 30 lun. 09/03 → lun. 09/03 12:00" in body


def test_the_preview_asks_for_the_client_or_the_urgency_first(tech_client, vendee):
    url = reverse("backoffice:gti_preview")
    assert "Choisissez le client" in tech_client.get(url, {"urgency": "critical"}).content.decode()
    body = tech_client.get(url, {"client": vendee.client.pk}).content.decode()
    assert "dès que l'urgence est choisie" in body


def test_creating_a_phone_ticket_uses_the_save_instant_and_the_contract(
    tech_client, technician, vendee
):
    saturday = dt.datetime(2026, 3, 7, 22, 15, tzinfo=PARIS)
    with time_machine.travel(saturday, tick=False):
        response = tech_client.post(NEW, form_data(vendee.client))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("backoffice:ticket", args=[ticket.reference])
    assert ticket.created_at == saturday
    assert ticket.gti_deadline == saturday + dt.timedelta(hours=1)  # 24x7 subscribed hours
    assert ticket.contract == vendee and ticket.billable is False
    assert ticket.created_by == technician.user
    assert ticket.state == State.NEW and ticket.assignee is None
    assert ticket.events.get().kind == EventKind.CREATED


def test_the_technician_may_assign_the_new_ticket_to_themself(tech_client, technician, vendee):
    tech_client.post(NEW, form_data(vendee.client, assign_to_me="on", billable="on"))
    ticket = Ticket.objects.get()
    assert (ticket.state, ticket.assignee, ticket.billable) == (State.ASSIGNED, technician, True)


def test_missing_fields_are_reported_and_nothing_typed_is_lost(tech_client, vendee):
    response = tech_client.post(NEW, form_data(vendee.client, urgency="", title=""))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Choisissez le degré d&#x27;urgence." in body
    assert "Appel de M. Martin" in body
    assert "Vendée Logistique" in body  # the chosen client stays chosen
    assert not Ticket.objects.exists()


def test_a_contact_of_another_client_cannot_be_posted(tech_client, vendee):
    stranger = ContactFactory()
    response = tech_client.post(NEW, form_data(vendee.client, contact=stranger.pk))
    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_no_client_chosen(tech_client):
    response = tech_client.post(NEW, {"title": "x", "urgency": "critical"})
    assert response.status_code == 400
    assert "Choisissez le client." in response.content.decode()


def test_a_client_without_contract_gets_the_default_gti_and_is_billable(tech_client):
    client = ClientFactory()
    body = tech_client.get(
        reverse("backoffice:client_fields"), {"client": client.pk}
    ).content.decode()
    assert "Aucun contrat en vigueur" in body
    tech_client.post(NEW, form_data(client, billable="on"))
    ticket = Ticket.objects.get()
    assert ticket.contract is None and ticket.billable
