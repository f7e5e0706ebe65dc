"""Links between tickets: shown on both tickets, public ones in the extranet between tickets of
the contact's own organisation only; the API says the same; splitting an entry."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from relations.models import LinkKind, TicketLink
from relations.services import link_create, link_delete, ticket_split_entry
from tests.extranet.conftest import make_contact
from tests.factories import make_ticket
from tickets import services
from tickets.models import EventKind

pytestmark = pytest.mark.django_db


def test_a_link_shows_on_both_tickets_with_the_inverse_wording(acme, tech, client):
    child = make_ticket(client=acme, title="Poste de Marie")
    parent = make_ticket(client=acme, title="Migration Windows 11")
    link_create(source=child, target=parent, kind=LinkKind.CHILD_OF, by=tech.user)
    client.force_login(tech.user)
    panel = client.get(reverse("relations:panel", args=[child.reference])).content.decode()
    assert "Sous-demande de" in panel and parent.reference in panel
    panel = client.get(reverse("relations:panel", args=[parent.reference])).content.decode()
    assert "Demande parente de" in panel and child.reference in panel
    # Each log says it, as an internal note.
    assert child.events.filter(kind=EventKind.NOTE, body__contains=parent.reference).exists()
    assert parent.events.filter(kind=EventKind.NOTE, body__contains=child.reference).exists()
    # The ticket page loads the panel (htmx) without adding a query of its own.
    page = client.get(reverse("backoffice:ticket", args=[child.reference])).content.decode()
    assert reverse("relations:panel", args=[child.reference]) in page


def test_links_refused_and_removed(acme, tech, client):
    one, two = make_ticket(client=acme), make_ticket(client=acme)
    link_create(source=one, target=two, kind=LinkKind.RELATED_TO, by=tech.user)
    with pytest.raises(ValidationError):
        link_create(source=two, target=one, kind=LinkKind.DUPLICATE_OF, by=tech.user)
    with pytest.raises(ValidationError):
        link_create(source=one, target=one, kind=LinkKind.RELATED_TO, by=tech.user)
    client.force_login(tech.user)
    response = client.post(
        reverse("relations:link_add", args=[one.reference]),
        {"kind": "related_to", "target": "OC-1999-000009"},
        follow=True,
    )
    assert "Aucune demande ne porte la référence OC-1999-000009" in response.content.decode()
    link = TicketLink.objects.get()
    link_delete(link=link, by=tech.user)
    assert not TicketLink.objects.exists()
    assert one.events.filter(body__contains="Lien retiré").exists()


def test_the_extranet_shows_public_links_within_the_contacts_organisation_only(
    acme, other_client, tech, client
):
    contact = make_contact(acme, username="marie-acme")
    mine = make_ticket(client=acme, contact=contact, title="Messagerie lente")
    sibling = make_ticket(client=acme, title="Serveur Exchange saturé")
    hidden = make_ticket(client=acme, title="Audit interne")
    foreign = make_ticket(client=other_client, title="Panne fournisseur Globex")
    link_create(source=mine, target=sibling, kind=LinkKind.RELATED_TO, by=tech.user)
    link_create(source=mine, target=hidden, kind=LinkKind.RELATED_TO, by=tech.user, public=False)
    link_create(source=foreign, target=mine, kind=LinkKind.RELATED_TO, by=tech.user)
    client.force_login(contact.user)
    page = client.get(reverse("extranet:request", args=[mine.pk])).content.decode()
    assert sibling.reference in page
    assert hidden.reference not in page  # internal link
    assert foreign.reference not in page and "Globex" not in page  # another organisation
    api = client.get(f"/api/v1/tickets/{mine.reference}/links/").json()
    assert [line["ticket"] for line in api["links"]] == [sibling.reference]
    # Staff see all three.
    client.force_login(tech.user)
    api = client.get(f"/api/v1/tickets/{mine.reference}/links/").json()
    assert len(api["links"]) == 3


def test_a_contact_cannot_add_links_through_the_api(acme, tech, client):
    contact = make_contact(acme, username="paul-acme")
    one = make_ticket(client=acme, contact=contact)
    two = make_ticket(client=acme, contact=contact)
    client.force_login(contact.user)
    response = client.post(
        f"/api/v1/tickets/{one.reference}/links/",
        {"target": two.reference, "kind": "related_to"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not TicketLink.objects.exists()


def test_staff_add_a_link_through_the_api(acme, tech, client):
    one, two = make_ticket(client=acme), make_ticket(client=acme)
    client.force_login(tech.user)
    response = client.post(
        f"/api/v1/tickets/{one.reference}/links/",
        {"target": two.reference, "kind": "duplicate_of", "public": False},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    line = response.json()["links"][0]
    assert (line["ticket"], line["kind"], line["direction"], line["public"]) == (
        two.reference,
        "duplicate_of",
        "outgoing",
        False,
    )
    response = client.post(
        f"/api/v1/tickets/{one.reference}/links/",
        {"target": two.reference, "kind": "parent"},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_an_entry_split_into_a_new_ticket(acme, marie, tech, client):
    ticket = make_ticket(client=acme, contact=marie, title="Imprimante bloquée")
    mail = services.ticket_add_entry(
        ticket=ticket,
        by=None,
        body="Et aussi : le Wi-Fi du 3e coupe",
        public=True,
        kind=EventKind.EMAIL_IN,
    )
    client.force_login(tech.user)
    response = client.post(
        reverse("relations:split", args=[ticket.reference]),
        {"event": mail.pk, "title": "Wi-Fi du 3e instable"},
    )
    assert response.status_code == 302
    created = TicketLink.objects.get(target=ticket).source
    assert created.title == "Wi-Fi du 3e instable" and created.contact == marie
    assert "le Wi-Fi du 3e coupe" in created.description
    assert ticket.events.filter(body__contains=created.reference).exists()
    with pytest.raises(ValidationError):
        ticket_split_entry(ticket=ticket, event=mail, by=tech.user, title=" ")
