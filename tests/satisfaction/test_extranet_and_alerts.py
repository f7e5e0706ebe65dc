"""Rating from the extranet (own organisation only), and the low-score notice to the contract's
referent technician and the managers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notices.models import Notice
from satisfaction.models import Rating
from satisfaction.services import rating_submit
from tests.extranet.conftest import make_contact
from tests.factories import ContractFactory, make_ticket

from .test_rating_link import close

pytestmark = pytest.mark.django_db


def test_a_contact_rates_a_closed_request_in_the_extranet(acme, tech, client):
    contact = make_contact(acme, username="marie-x")
    ticket = close(make_ticket(client=acme, contact=contact), tech.user)
    client.force_login(contact.user)
    page = client.get(reverse("extranet:request", args=[ticket.pk])).content.decode()
    assert 'id="avis"' in page and reverse("satisfaction:extranet_rate", args=[ticket.pk]) in page
    client.post(reverse("satisfaction:extranet_rate", args=[ticket.pk]), {"score": "3"})
    rating = Rating.objects.get()
    assert (rating.score, rating.channel, rating.contact) == (3, "extranet", contact)
    page = client.get(reverse("extranet:request", args=[ticket.pk])).content.decode()
    assert "Vous avez noté cette demande 3/5" in page


def test_a_contact_cannot_rate_another_organisations_request(acme, tech, client):
    other = ContractFactory(client__code="globex").client
    ticket = close(make_ticket(client=other), tech.user)
    contact = make_contact(acme, username="marie-y")
    client.force_login(contact.user)
    response = client.post(reverse("satisfaction:extranet_rate", args=[ticket.pk]), {"score": "1"})
    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_a_low_score_tells_the_referent_and_the_managers_once(acme, marie, tech, referent, manager):
    ticket = close(make_ticket(client=acme, contact=marie), tech.user)
    rating_submit(ticket=ticket, score=4, channel="mail")
    assert not Notice.objects.exists()
    rating_submit(ticket=ticket, score=2, comment="Trop long", channel="mail")
    notices = Notice.objects.filter(kind="low_satisfaction")
    assert {n.recipient_id for n in notices} == {referent.user_id, manager.user_id}
    assert notices.first().params["score"] == 2
    rating_submit(ticket=ticket, score=1, channel="mail")
    assert Notice.objects.filter(kind="low_satisfaction").count() == 2  # not twice
    client_of_bell = notices.first()
    from notices.wording import title

    assert title(client_of_bell) == f"Avis client de 2/5 sur {ticket.reference}"
