"""A contact's comment follows the client-reply rule: resumes, reopens, or opens a follow-up
request whose reference the page gives."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tickets import services
from tickets.models import Channel, EventKind, State, Ticket

pytestmark = pytest.mark.django_db


def _comment(client, ticket, body="Ça recommence", **extra):
    return client.post(
        reverse("extranet:request_comment", args=[ticket.pk]), {"body": body, **extra}
    )


def test_the_closed_request_page_says_a_comment_opens_a_follow_up(contact_client, org_a):
    body = contact_client.get(reverse("extranet:request", args=[org_a.closed.pk])).content
    body = body.decode()
    assert 'id="commenter"' in body
    assert "votre commentaire ouvrira une nouvelle demande, suite de celle-ci" in body
    assert "Votre commentaire est visible par le technicien" not in body


def test_a_comment_on_a_closed_request_opens_the_follow_up_and_shows_it(contact_client, org_a):
    closed = org_a.closed
    response = _comment(contact_client, closed, files=[SimpleUploadedFile("photo.png", b"\x89PNG")])
    new = Ticket.objects.get(follow_up_of=closed)
    assert response.status_code == 302
    assert response["Location"] == reverse("extranet:request", args=[new.pk])
    assert new.title == f"Suite de {closed.reference} : {closed.title}"
    assert new.channel == Channel.EXTRANET and new.created_by == org_a.contact.user
    assert (new.client, new.contact, new.site) == (org_a.client, org_a.contact, closed.site)
    assert new.description == "Ça recommence"
    assert [a.original_name for a in new.attachments.all()] == ["photo.png"]
    closed.refresh_from_db()
    assert closed.state == State.CLOSED
    assert not closed.events.filter(body="Ça recommence").exists()
    note = closed.events.latest("pk")
    assert note.kind == EventKind.NOTE and not note.public and new.reference in note.body

    page = contact_client.get(response["Location"])
    text = page.content.decode()
    flashes = [str(m) for m in page.context["messages"]]
    assert flashes == [
        f"La demande {closed.reference} est clôturée : votre commentaire ouvre la demande "
        f"{new.reference}, qui en est la suite."
    ]
    assert new.reference in text and f"Suite de {closed.reference}" in text
    assert reverse("extranet:request", args=[closed.pk]) in text  # link back
    old_page = contact_client.get(reverse("extranet:request", args=[closed.pk])).content.decode()
    assert reverse("extranet:request", args=[new.pk]) in old_page  # "Suite dans OC-…"
    # The internal note never reaches the client.
    assert "Réponse reçue après clôture" not in old_page


def test_a_comment_on_a_resolved_request_reopens_it(contact_client, org_a):
    page = contact_client.get(reverse("extranet:request", args=[org_a.resolved.pk]))
    assert "Votre commentaire rouvre la demande" in page.content.decode()
    response = _comment(contact_client, org_a.resolved, body="L'imprimante bourre encore")
    assert response["Location"] == reverse("extranet:request", args=[org_a.resolved.pk])
    org_a.resolved.refresh_from_db()
    assert org_a.resolved.state == State.IN_PROGRESS
    assert not Ticket.objects.filter(follow_up_of=org_a.resolved).exists()
    flashes = [str(m) for m in contact_client.get(response["Location"]).context["messages"]]
    assert flashes == ["Votre commentaire a rouvert la demande : le technicien reprend la main."]


def test_a_comment_long_after_the_resolution_opens_a_follow_up(contact_client, org_a):
    later = timezone.now() + dt.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        contact_client.force_login(org_a.contact.user)  # the session expired meanwhile
        page = contact_client.get(reverse("extranet:request", args=[org_a.resolved.pk]))
        assert "résolue depuis trop longtemps pour être rouverte" in page.content.decode()
        response = _comment(contact_client, org_a.resolved)
    new = Ticket.objects.get(follow_up_of=org_a.resolved)
    assert response["Location"] == reverse("extranet:request", args=[new.pk])
    org_a.resolved.refresh_from_db()
    assert org_a.resolved.state == State.RESOLVED


def test_a_comment_while_pending_on_the_client_resumes_the_request(contact_client, org_a, tech):
    services.ticket_set_pending(ticket=org_a.ticket, by=tech.user, reason="Quel modèle ?")
    response = _comment(contact_client, org_a.ticket, body="Une HP 4250")
    assert response.status_code == 302
    org_a.ticket.refresh_from_db()
    assert org_a.ticket.state == State.IN_PROGRESS
    flashes = [str(m) for m in contact_client.get(response["Location"]).context["messages"]]
    assert flashes == [
        "Merci pour votre réponse : le technicien reprend le traitement de la demande."
    ]


def test_another_clients_closed_request_cannot_be_followed_up(contact_client, org_b):
    assert _comment(contact_client, org_b.closed).status_code == 404
    assert not Ticket.objects.filter(follow_up_of=org_b.closed).exists()


def test_a_follow_up_never_links_to_a_request_the_contact_cannot_see(client, org_a):
    from tests.extranet.conftest import make_contact

    # Restricted to another site: sees the follow-up they opened, not the original request.
    restricted = make_contact(org_a.client, site=org_a.other_site, visibility="site")
    new = services.ticket_client_reply(
        ticket=org_a.closed,
        by=restricted.user,
        body="Chez nous aussi",
        via=Channel.EXTRANET,
        contact=restricted,
    ).ticket
    client.force_login(restricted.user)
    page = client.get(reverse("extranet:request", args=[new.pk]))
    assert page.status_code == 200
    assert reverse("extranet:request", args=[org_a.closed.pk]) not in page.content.decode()


def test_a_resolved_request_says_when_it_will_close_itself(contact_client, org_a, tech, settings):
    resolved_at = dt.datetime(2026, 12, 16, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with time_machine.travel(resolved_at, tick=False):
        ticket = services.ticket_create(
            client=org_a.client,
            contact=org_a.contact,
            title="Scanner",
            urgency="non_blocking",
            channel=Channel.PHONE,
        )
        services.ticket_take_in_charge(ticket=ticket, by=tech.user)
        services.ticket_resolve(ticket=ticket, by=tech.user, note="Pilote réinstallé")
    page = contact_client.get(reverse("extranet:request", args=[ticket.pk])).content.decode()
    # Ten business days, Christmas not counted.
    assert "clôturée automatiquement le 31/12/2026 à 10:00" in page
    settings.TICKETS_AUTO_CLOSE_BUSINESS_DAYS = 0
    page = contact_client.get(reverse("extranet:request", args=[ticket.pk])).content.decode()
    assert "clôturée automatiquement" not in page


def test_reopening_long_after_the_resolution_opens_a_follow_up_instead(contact_client, org_a):
    with time_machine.travel(timezone.now() + dt.timedelta(days=30), tick=False):
        contact_client.force_login(org_a.contact.user)
        response = contact_client.post(
            reverse("extranet:request_reopen", args=[org_a.resolved.pk]),
            {"reason": "Le toner fuit"},
        )
    new = Ticket.objects.get(follow_up_of=org_a.resolved)
    assert response["Location"] == reverse("extranet:request", args=[new.pk])
    assert new.description == "Le toner fuit"
    org_a.resolved.refresh_from_db()
    assert org_a.resolved.state == State.RESOLVED
