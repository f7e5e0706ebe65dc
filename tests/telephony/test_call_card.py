"""The answering technician's live call card, the ticket created from it (pre-filled), the
report added to an open ticket, and the call logs per client and per ticket."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from telephony.models import Call
from tests.factories import ContractFactory, TechnicianFactory, UserFactory, make_ticket
from tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db

CARD = "/appels/carte/"


def live_call(contact=None, *, answered_by, call_id="c1", client=None, **kwargs):
    return Call.objects.create(
        call_id=call_id,
        caller=contact.phone if contact else "0699999999",
        caller_e164="+33251102000" if contact else "+33699999999",
        started_at=timezone.now() - dt.timedelta(minutes=1),
        answered_by=answered_by,
        contact=contact,
        site=contact.site if contact else None,
        client=client or (contact.client if contact else None),
        **kwargs,
    )


def test_the_answering_technician_sees_the_caller_client_contract_and_open_tickets(
    client, julien, pierre
):
    open_ticket = make_ticket(client=pierre.client, contact=pierre, title="Imprimante HS")
    live_call(pierre, answered_by=julien.user)
    client.force_login(julien.user)
    page = client.get(CARD).content.decode()
    assert 'data-testid="call-card"' in page
    for text in (
        "02 51 10 20 00",
        "Pierre Martin",
        "Vendée Logistique",
        "Astreinte 24h/24 7j/7",
        "Rémi",  # the contract's referent
        open_ticket.reference,
        "?call=",
    ):
        assert text in page, text


def test_a_colleague_and_an_ended_call_show_no_card(client, julien, pierre):
    call = live_call(pierre, answered_by=julien.user)
    client.force_login(TechnicianFactory().user)
    assert 'data-testid="call-card"' not in client.get(CARD).content.decode()
    call.ended_at = timezone.now()
    call.save()
    client.force_login(julien.user)
    assert 'data-testid="call-card"' not in client.get(CARD).content.decode()


def test_the_card_is_cheap_to_poll(client, julien, pierre, django_assert_max_num_queries):
    make_ticket(client=pierre.client, contact=pierre)
    make_ticket(client=pierre.client)
    live_call(pierre, answered_by=julien.user)
    client.force_login(julien.user)
    with django_assert_max_num_queries(8):
        assert client.get(CARD).status_code == 200


def test_an_expired_session_gets_401_and_outsiders_403(client, pierre):
    assert client.get(CARD).status_code == 401
    client.force_login(UserFactory())
    assert client.get(CARD).status_code == 403


def test_every_back_office_page_polls_the_card(client, julien):
    client.force_login(julien.user)
    page = client.get(reverse("backoffice:team_queue")).content.decode()
    assert f'hx-get="{CARD}"' in page


def test_create_the_ticket_from_the_call_prefilled_and_linked(client, julien, pierre):
    call = live_call(pierre, answered_by=julien.user)
    client.force_login(julien.user)
    url = reverse("backoffice:ticket_new") + f"?call={call.pk}"
    form = client.get(url).context["form"]
    assert form.client == pierre.client
    assert form.initial["contact"] == pierre and form.initial["site"] == pierre.site
    assert form.initial["channel"] == Channel.PHONE
    response = client.post(
        url,
        {
            "client": pierre.client.pk,
            "contact": pierre.pk,
            "channel": Channel.PHONE,
            "kind": "request",
            "title": "Messagerie bloquée",
            "urgency": "very_blocking",
            "complexity": "standard",
        },
    )
    ticket = Ticket.objects.get(title="Messagerie bloquée")
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.ticket == ticket


def test_an_unidentified_caller_gets_the_client_chosen_for_the_ticket(client, julien):
    call = live_call(answered_by=julien.user)
    other = ContractFactory().client
    client.force_login(julien.user)
    url = reverse("backoffice:ticket_new") + f"?call={call.pk}"
    assert client.get(url).context["form"].client is None
    client.post(
        url,
        {
            "client": other.pk,
            "channel": Channel.PHONE,
            "kind": "request",
            "title": "Appel inconnu",
            "urgency": "non_blocking",
            "complexity": "standard",
        },
    )
    call.refresh_from_db()
    assert (call.ticket.title, call.client) == ("Appel inconnu", other)


def test_add_a_report_to_an_open_ticket_from_the_card(client, julien, pierre):
    ticket = make_ticket(client=pierre.client, contact=pierre)
    call = live_call(pierre, answered_by=julien.user)
    client.force_login(julien.user)
    response = client.post(reverse("telephony:call_report", args=[call.pk, ticket.reference]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/tickets/{ticket.reference}/#entry-title")
    call.refresh_from_db()
    assert call.ticket == ticket


def test_a_call_cannot_be_filed_on_another_clients_ticket(client, julien, pierre):
    foreign = make_ticket(client=ContractFactory().client)
    call = live_call(pierre, answered_by=julien.user)
    client.force_login(julien.user)
    response = client.post(reverse("telephony:call_report", args=[call.pk, foreign.reference]))
    assert response.status_code == 403
    call.refresh_from_db()
    assert call.ticket is None


def test_the_call_log_per_client_and_per_ticket(
    client, julien, pierre, django_assert_max_num_queries
):
    ticket = make_ticket(client=pierre.client, contact=pierre)
    for n in range(5):
        live_call(pierre, answered_by=julien.user, call_id=f"v{n}", ticket=ticket if n else None)
    other = ContractFactory(client__code="autre").client
    for n in range(5):
        live_call(answered_by=julien.user, call_id=f"o{n}", client=other)
    client.force_login(julien.user)
    url = reverse("telephony:calls")
    with django_assert_max_num_queries(8):
        everything = client.get(url)
    assert len(everything.context["calls"]) == 10
    by_client = client.get(url, {"client": "vendee-logistique"}).context["calls"]
    assert {c.call_id for c in by_client} == {f"v{n}" for n in range(5)}
    by_ticket = client.get(url, {"ticket": ticket.reference}).context["calls"]
    assert {c.call_id for c in by_ticket} == {"v1", "v2", "v3", "v4"}
    assert "Vendée Logistique" in client.get(url, {"client": "vendee-logistique"}).content.decode()


def test_the_ticket_page_leads_to_its_call_log_and_its_clients(client, julien, pierre):
    ticket = make_ticket(client=pierre.client, contact=pierre)
    client.force_login(julien.user)
    page = client.get(reverse("backoffice:ticket", args=[ticket.reference])).content.decode()
    assert f"/appels/?ticket={ticket.reference}" in page
    assert "/appels/?client=vendee-logistique" in page
