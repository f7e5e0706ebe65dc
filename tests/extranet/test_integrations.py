"""What other RUN apps show inside the extranet: incident banners and scheduled change windows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from changes.models import ChangeRequest
from tests.factories import ClientFactory, ContactFactory, UserFactory


def contact_client(client, org):
    contact = ContactFactory(client=org, user=UserFactory())
    client.force_login(contact.user)
    return contact


def make_change(org, title, start, state):
    change = ChangeRequest.objects.create(
        title=title,
        change_type=ChangeRequest.Type.NORMAL,
        planned_start=start,
        planned_end=start + dt.timedelta(hours=2),
        client_notice="Coupure de 10 minutes",
        requested_by=UserFactory(is_staff=True),
    )
    ChangeRequest.objects.filter(pk=change.pk).update(state=state)
    change.affected_clients.add(org)
    return change


@pytest.mark.django_db
def test_planning_lists_scheduled_changes_of_the_contacts_client_only(client):
    mine, other = ClientFactory(), ClientFactory()
    contact_client(client, mine)
    soon = timezone.now() + dt.timedelta(days=3)
    make_change(mine, "Migration du pare-feu", soon, ChangeRequest.State.SCHEDULED)
    make_change(mine, "Brouillon secret", soon, ChangeRequest.State.DRAFT)
    make_change(other, "Changement d'un autre client", soon, ChangeRequest.State.SCHEDULED)
    body = client.get(reverse("extranet:planning")).content.decode()
    assert "Migration du pare-feu" in body
    assert "Coupure de 10 minutes" in body
    assert "Brouillon secret" not in body
    assert "autre client" not in body


@pytest.mark.django_db
def test_extranet_pages_offer_the_incidents_page(client):
    contact_client(client, ClientFactory())
    body = client.get(reverse("extranet:home")).content.decode()
    assert reverse("extranet:incidents") in body
    assert reverse("extranet:projects") in body
