"""Home, request page, comments, confirmation/reopening and new requests."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import make_ticket
from tickets import services
from tickets.models import Attachment, Channel, EventKind, State, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_home_lists_the_organisations_open_and_resolved_requests(contact_client, org_a, org_b):
    # A last name no other value on the page can contain (the factory's is random).
    assignee = org_a.ticket.assignee.user
    assignee.last_name = "Vauquelin-Troismonts"
    assignee.save(update_fields=["last_name"])
    response = contact_client.get(reverse("extranet:home"))
    body = response.content.decode()
    assert response.status_code == 200
    assert org_a.ticket.reference in body and org_a.resolved.reference in body
    assert org_a.closed.reference not in body  # closed ones are in the history
    assert org_b.ticket.reference not in body
    assert "Julien" in body  # the assignee's first name…
    assert org_a.ticket.assignee.user.last_name not in body  # …and never the last name
    rows = {t.pk: t for t in response.context["tickets"]}
    assert rows[org_a.ticket.pk].gti.met is True  # taken in charge immediately
    assert rows[org_a.ticket.pk].last_public_at is not None
    assert response.context["counts"]["resolved"] == 1


def test_home_is_n_plus_one_free(contact_client, org_a, tech, django_assert_num_queries):
    from tickets import services

    for i in range(12):
        ticket = make_ticket(client=org_a.client, site=org_a.site, title=f"Demande {i}")
        services.ticket_assign(ticket=ticket, technician=tech, by=tech.user)
        services.ticket_add_entry(ticket=ticket, by=tech.user, body="Vu", public=True)
    # session, user, contact, sites count, counts by state, page count, page rows, site options,
    # incident banner
    with django_assert_num_queries(9):
        response = contact_client.get(reverse("extranet:home"))
    assert len(response.context["tickets"]) == 14


def test_home_filters_by_state_urgency_site_and_search(contact_client, org_a):
    other = make_ticket(
        client=org_a.client, site=org_a.other_site, title="Téléphone agence", urgency="critical"
    )

    def get(**query):
        response = contact_client.get(reverse("extranet:home"), query)
        return {t.pk for t in response.context["tickets"]}

    assert get(state="resolved") == {org_a.resolved.pk}
    assert get(urgency="critical") == {other.pk}
    assert get(site=org_a.other_site.pk) == {other.pk}
    assert get(q="téléphone") == {other.pk}
    assert get(q=org_a.ticket.reference) == {org_a.ticket.pk}


def test_request_page_shows_qualification_public_reports_and_state_history(contact_client, org_a):
    response = contact_client.get(reverse("extranet:request", args=[org_a.ticket.pk]))
    body = response.content.decode()
    assert "Compte-rendu public a" in body
    assert "NOTE INTERNE" not in body
    assert org_a.attachment.original_name in body
    assert "Prise en charge" in body  # state history
    assert "Peu bloquant" in body  # qualification
    assert all(e.public for e in response.context["timeline"])


def test_a_contact_comments_with_a_file_and_the_assignee_can_be_notified(contact_client, org_a):
    upload = SimpleUploadedFile("capture écran.png", b"\x89PNG fake", content_type="image/png")
    response = contact_client.post(
        reverse("extranet:request_comment", args=[org_a.ticket.pk]),
        {"body": "L'écran reste noir.", "files": [upload]},
    )
    assert response.status_code == 302
    event = TicketEvent.objects.filter(ticket=org_a.ticket).latest("pk")
    assert event.kind == EventKind.REPORT and event.public
    assert event.actor == org_a.contact.user
    assert event.payload["from_client"] is True and event.payload["contact"] == org_a.contact.pk
    attachment = event.attachments.get()
    assert attachment.original_name == "capture écran.png" and attachment.public


def test_a_rejected_file_loses_nothing_and_says_why(contact_client, org_a):
    before = TicketEvent.objects.count()
    upload = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html")
    response = contact_client.post(
        reverse("extranet:request_comment", args=[org_a.ticket.pk]),
        {"body": "Voici la page", "files": [upload]},
    )
    assert response.status_code == 400
    assert "Type de fichier non autorisé" in response.content.decode()
    assert "Voici la page" in response.content.decode()  # the text is kept in the form
    assert TicketEvent.objects.count() == before


def test_too_large_files_are_refused(contact_client, org_a, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    upload = SimpleUploadedFile("big.pdf", b"x" * 11)
    response = contact_client.post(
        reverse("extranet:request_comment", args=[org_a.ticket.pk]),
        {"body": "Gros fichier", "files": [upload]},
    )
    assert response.status_code == 400
    assert "trop volumineux" in response.content.decode()
    assert not Attachment.objects.filter(original_name="big.pdf").exists()


def test_confirming_closes_with_the_technicians_resolution_note(contact_client, org_a):
    response = contact_client.post(reverse("extranet:request_confirm", args=[org_a.resolved.pk]))
    assert response.status_code == 302
    org_a.resolved.refresh_from_db()
    assert org_a.resolved.state == State.CLOSED
    assert org_a.resolved.closure_synthesis.startswith("Toner remplacé a")
    assert "Résolution confirmée par le client" in org_a.resolved.closure_synthesis
    last = org_a.resolved.events.latest("pk")
    assert last.actor == org_a.contact.user and last.to_state == State.CLOSED


def test_reopening_needs_a_reason_and_puts_the_request_back_in_progress(contact_client, org_a):
    url = reverse("extranet:request_reopen", args=[org_a.resolved.pk])
    assert contact_client.post(url, {"reason": ""}).status_code == 400
    assert contact_client.post(url, {"reason": "Toujours des traces"}).status_code == 302
    org_a.resolved.refresh_from_db()
    assert org_a.resolved.state == State.IN_PROGRESS
    assert org_a.resolved.events.latest("pk").body == "Toujours des traces"


def test_confirming_a_request_that_is_not_resolved_is_refused_politely(contact_client, org_a):
    response = contact_client.post(
        reverse("extranet:request_confirm", args=[org_a.ticket.pk]), follow=True
    )
    assert response.status_code == 200
    org_a.ticket.refresh_from_db()
    assert org_a.ticket.state == State.IN_PROGRESS
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_a_cancelled_request_takes_no_more_comments(contact_client, org_a):
    # A closed request takes them and opens its follow-up: see test_client_replies.py.
    cancelled = make_ticket(client=org_a.client, contact=org_a.contact, title="Doublon")
    services.ticket_cancel(ticket=cancelled, by=None, reason="Doublon")
    url = reverse("extranet:request_comment", args=[cancelled.pk])
    response = contact_client.post(url, {"body": "Encore moi"})
    assert response.status_code == 400
    assert "annulée" in response.content.decode()
    assert not cancelled.events.filter(body="Encore moi").exists()


def test_the_new_request_form_explains_the_urgencies_in_plain_words(contact_client):
    body = contact_client.get(reverse("extranet:request_new")).content.decode()
    assert "tous les utilisateurs sont affectés" in body
    assert "sans solution de contournement" in body
    assert "Une solution de contournement existe" in body
    assert "Un seul utilisateur, sur une fonction mineure" in body


def test_a_contact_creates_a_request_with_files_on_the_extranet_channel(contact_client, org_a):
    response = contact_client.post(
        reverse("extranet:request_new"),
        {
            "title": "Messagerie inaccessible",
            "description": "Plus personne ne reçoit de mails.",
            "urgency": "critical",
            "site": org_a.other_site.pk,
            "files": [SimpleUploadedFile("erreur.txt", b"550 denied")],
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(title="Messagerie inaccessible")
    assert ticket.channel == Channel.EXTRANET
    assert ticket.client == org_a.client and ticket.contact == org_a.contact
    assert ticket.site == org_a.other_site and ticket.created_by == org_a.contact.user
    assert ticket.gti_deadline is not None
    created = ticket.events.get(kind=EventKind.CREATED)
    assert created.attachments.get().original_name == "erreur.txt"
    assert response["Location"] == reverse("extranet:request", args=[ticket.pk])


def test_a_request_cannot_be_filed_on_another_clients_site(contact_client, org_b):
    response = contact_client.post(
        reverse("extranet:request_new"),
        {"title": "x", "description": "y", "urgency": "critical", "site": org_b.site.pk},
    )
    assert response.status_code == 400
    assert not Ticket.objects.filter(title="x").exists()


def test_a_site_restricted_contact_files_requests_on_their_site(client, org_a):
    from tests.extranet.conftest import make_contact

    restricted = make_contact(org_a.client, site=org_a.other_site, visibility="site")
    client.force_login(restricted.user)
    response = client.post(
        reverse("extranet:request_new"),
        {"title": "Badge", "description": "HS", "urgency": "non_blocking"},
    )
    assert response.status_code == 302
    assert Ticket.objects.get(title="Badge").site == org_a.other_site


def test_pages_speak_the_contacts_language_whatever_the_browser_says(contact_client, org_a):
    response = contact_client.get(reverse("extranet:home"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert response["Content-Language"] == "fr"
    assert "Peu bloquant" in response.content.decode()
