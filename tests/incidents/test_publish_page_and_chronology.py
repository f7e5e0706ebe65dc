"""The publish page offers one template selector; the chronology names who wrote what."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from incidents.pir import pir_timeline
from tickets.models import Ticket
from tickets.services import ticket_add_entry

pytestmark = pytest.mark.django_db


def test_the_publish_page_has_one_template_selector_and_posts_the_loaded_kind(
    client, incident, technician
):
    client.force_login(technician.user)
    page = client.get(reverse("incidents:publish", args=[incident.pk]), {"kind": "initial"})
    html = page.content.decode()
    assert len(re.findall(r"<select[^>]*name=\"kind\"", html)) == 1
    assert html.count(">Modèle</label>") == 1
    assert re.search(r'<input type="hidden" name="kind" value="initial"', html)


def test_a_clients_comment_is_not_called_a_report_in_the_chronology(incident, tenants, technician):
    ticket = Ticket.objects.get(client=tenants["affected"])
    ticket_add_entry(
        ticket=ticket, by=tenants["a_user"].user, body="Toujours coupé ici.", public=True
    )
    ticket_add_entry(ticket=ticket, by=technician.user, body="Serveur relancé.", public=True)

    titles = {entry.body: entry.title for entry in pir_timeline(incident)}

    assert titles["Toujours coupé ici."] == f"{ticket.reference} – Commentaire du client"
    assert titles["Serveur relancé."] == f"{ticket.reference} – Compte-rendu"
