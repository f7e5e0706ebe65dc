"""Two client organisations with everything the extranet shows, for scoping tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from clients.models import Contact
from extranet.models import CalendarFeed
from extranet.services import document_add
from tests.factories import (
    ContactFactory,
    ContractFactory,
    SiteFactory,
    TechnicianFactory,
    UserFactory,
    make_ticket,
)
from tickets import services
from tickets.attachments import attachment_add
from tickets.planning import intervention_plan

PASSWORD = "secret-pass-123"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_contact(client, *, site=None, username=None, **kwargs):
    user = UserFactory(username=username or f"{client.code}-{Contact.objects.count()}")
    return ContactFactory(client=client, site=site, user=user, email=user.email, **kwargs)


@dataclass
class Org:
    """One client with a site, a contact, an open ticket with a public report, an internal note,
    a public and a private attachment, a resolved ticket, a closed one, a document and a
    planned intervention."""

    client: object
    site: object
    other_site: object
    contact: object
    ticket: object
    resolved: object
    closed: object
    report: object
    note: object
    attachment: object
    private_attachment: object
    document: object
    intervention: object
    feed_token: str


def build_org(code: str, technician) -> Org:
    contract = ContractFactory(client__code=code, client__name=f"Organisation {code.upper()}")
    client = contract.client
    site = SiteFactory(client=client, name=f"Siège {code}")
    other_site = SiteFactory(client=client, name=f"Agence {code}")
    contact = make_contact(client, site=site, username=f"contact-{code}", is_client_admin=True)
    by = technician.user
    ticket = make_ticket(client=client, contact=contact, site=site, title=f"Serveur {code} HS")
    services.ticket_assign(ticket=ticket, technician=technician, by=by)
    services.ticket_take_in_charge(ticket=ticket, by=by)
    report = services.ticket_add_entry(
        ticket=ticket, by=by, body=f"Compte-rendu public {code}", public=True
    )
    note = services.ticket_add_entry(
        ticket=ticket, by=by, body=f"NOTE INTERNE SECRETE {code}", public=False
    )
    attachment = attachment_add(
        ticket=ticket, name=f"rapport-{code}.pdf", content=b"%PDF-1.4 public", by=by, event=report
    )
    private = attachment_add(
        ticket=ticket, name=f"interne-{code}.txt", content=b"private", by=by, public=False
    )
    resolved = make_ticket(client=client, contact=contact, site=site, title=f"Imprimante {code}")
    services.ticket_take_in_charge(ticket=resolved, by=by)
    services.ticket_resolve(ticket=resolved, by=by, note=f"Toner remplacé {code}")
    closed = make_ticket(client=client, contact=contact, site=site, title=f"Ancienne {code}")
    services.ticket_take_in_charge(ticket=closed, by=by)
    services.ticket_add_entry(ticket=closed, by=by, body=f"CR clôturé {code}", public=True)
    services.ticket_resolve(ticket=closed, by=by, note="OK")
    services.ticket_close(ticket=closed, by=by, synthesis=f"Synthèse {code}")
    document = document_add(
        client=client, name=f"dossier-{code}.pdf", content=b"%PDF doc", by=by, project="Migration"
    )
    intervention = intervention_plan(
        ticket=ticket,
        technician=technician,
        starts_at=timezone.now() + dt.timedelta(days=2),
        duration=dt.timedelta(hours=2),
        by=by,
    )
    return Org(
        client=client,
        site=site,
        other_site=other_site,
        contact=contact,
        ticket=ticket,
        resolved=resolved,
        closed=closed,
        report=report,
        note=note,
        attachment=attachment,
        private_attachment=private,
        document=document,
        intervention=intervention,
        feed_token=CalendarFeed.issue(contact),
    )


@pytest.fixture
def tech(db):
    return TechnicianFactory(user__username="julien", user__first_name="Julien")


@pytest.fixture
def org_a(tech):
    return build_org("a", tech)


@pytest.fixture
def org_b(tech):
    return build_org("b", tech)


@pytest.fixture
def contact_client(client, org_a):
    """Django test client logged in as client A's contact."""
    client.force_login(org_a.contact.user)
    return client
