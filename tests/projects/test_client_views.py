"""Client extranet pages for projects: strictly scoped to the contact's organisation."""

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Contact
from extranet.services import document_add
from projects.booking import book
from projects.links import ticket_link_project
from projects.services import milestone_add, milestone_complete, project_transition
from staff.models import Team
from tests.factories import (
    ClientFactory,
    ContactFactory,
    SiteFactory,
    TechnicianFactory,
    UserFactory,
    make_ticket,
)
from tickets.planning import intervention_plan

from .conftest import make_project

NOW = dt.datetime(2026, 5, 6, 8, 0, tzinfo=dt.UTC)  # Wednesday 6 May 2026, 10:00 in Paris


@pytest.fixture(autouse=True)
def _clock_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class Org:
    client: object
    contact: object
    project: object
    document: object
    other_document: object
    intervention: object


def build_org(code, pm, engineer):
    """A client with a "Migration" project, its documents, a milestone, a booking and a ticket."""
    client = ClientFactory(code=code, name=f"Organisation {code.upper()}")
    site = SiteFactory(client=client, name=f"Siège {code}")
    user = UserFactory(username=f"contact-{code}")
    contact = ContactFactory(client=client, site=site, user=user, is_client_admin=True)
    project = make_project(client, pm, name="Migration", target_go_live=dt.date(2026, 7, 1))
    project_transition(project=project, action="hold", by=pm, note=f"BUDGET INTERNE {code}")
    project_transition(project=project, action="resume", by=pm)
    done = milestone_add(
        project=project, name=f"Kick-off {code}", due_date=dt.date(2026, 5, 4), by=pm
    )
    milestone_complete(milestone=done, by=pm)
    milestone_add(project=project, name=f"Recette {code}", due_date=dt.date(2026, 6, 15), by=pm)
    book(project=project, engineer=engineer, start=dt.date(2026, 5, 12), half="am", by=pm)
    document = document_add(
        client=client, name=f"dat-{code}.pdf", content=b"%PDF", by=pm, project="migration"
    )
    other = document_add(
        client=client, name=f"autre-{code}.pdf", content=b"%PDF", by=pm, project="Autre projet"
    )
    ticket = make_ticket(client=client, site=site, contact=contact, title=f"Bascule {code}")
    ticket_link_project(ticket=ticket, project=project, by=pm)
    intervention = intervention_plan(
        ticket=ticket,
        technician=engineer,
        starts_at=timezone.now() + dt.timedelta(days=6),
        duration=dt.timedelta(hours=2),
        by=pm,
    )
    return Org(client, contact, project, document, other, intervention)


@pytest.fixture
def engineer_b(db):
    return TechnicianFactory(user__username="expert-b", team=Team.BUILD)


@pytest.fixture
def org_a(pm, engineer):
    return build_org("a", pm, engineer)


@pytest.fixture
def org_b(pm, engineer_b):
    return build_org("b", pm, engineer_b)


@pytest.fixture
def contact_client(client, org_a, org_b):
    client.force_login(org_a.contact.user)
    return client


@pytest.mark.django_db
def test_a_contact_lists_their_organisations_projects_only(contact_client, org_a, org_b):
    response = contact_client.get(reverse("extranet:projects"))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="/extranet/projets/{org_a.project.pk}/"' in page
    assert f"/extranet/projets/{org_b.project.pk}/" not in page
    assert "1 / 2" in page and "15/06/2026" in page  # milestones reached, next milestone


@pytest.mark.django_db
def test_another_clients_project_is_a_404_even_with_the_same_name(contact_client, org_b):
    response = contact_client.get(reverse("extranet:project", args=[org_b.project.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_project_page_shows_state_milestones_planned_work_and_documents(
    contact_client, org_a, org_b
):
    page = contact_client.get(reverse("extranet:project", args=[org_a.project.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Commandé" in html and "Kick-off a" in html and "Recette a" in html
    assert "Atteint le 06/05/2026" in html
    assert "mardi 12/05/2026 (matin) · Claire Fontaine" in html
    assert org_a.intervention.ticket.reference in html
    assert f'/extranet/documents/{org_a.document.pk}/"' in html  # matched case-insensitively
    assert f"/extranet/documents/{org_a.other_document.pk}/" not in html
    assert f"/extranet/documents/{org_b.document.pk}/" not in html
    assert "Kick-off b" not in html and "expert-b" not in html
    assert "BUDGET INTERNE" not in html  # transition notes are internal
    assert "En pause" in html  # but the phases the project went through are shown


@pytest.mark.django_db
def test_a_site_restricted_contact_does_not_see_interventions_of_other_sites(client, org_a, pm):
    other_site = SiteFactory(client=org_a.client, name="Agence")
    restricted = ContactFactory(
        client=org_a.client,
        site=other_site,
        user=UserFactory(username="agence"),
        visibility=Contact.Visibility.OWN_SITE,
    )
    client.force_login(restricted.user)
    html = client.get(reverse("extranet:project", args=[org_a.project.pk])).content.decode()
    assert "Recette a" in html  # the project itself is the organisation's
    assert org_a.intervention.ticket.reference not in html


@pytest.mark.django_db
def test_staff_anonymous_and_inactive_contacts_are_kept_out(client, org_a, pm):
    url = reverse("extranet:project", args=[org_a.project.pk])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("extranet:login"))
    client.force_login(pm)
    assert client.get(url).status_code == 302  # staff are sent to the back-office
    org_a.contact.is_active = False
    org_a.contact.save()
    client.force_login(org_a.contact.user)
    assert client.get(url).status_code == 403
    assert client.get(reverse("extranet:projects")).status_code == 403


@pytest.mark.django_db
def test_client_pages_take_the_same_queries_for_one_or_many_projects(
    contact_client, org_a, pm, engineer
):
    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert contact_client.get(url).status_code == 200
        return len(ctx.captured_queries)

    list_url = reverse("extranet:projects")
    detail_url = reverse("extranet:project", args=[org_a.project.pk])
    few = count(list_url), count(detail_url)
    for i in range(4):
        project = make_project(org_a.client, pm, name=f"Projet {i}")
        milestone_add(project=project, name="Jalon", due_date=dt.date(2026, 6, 1), by=pm)
        milestone_add(project=org_a.project, name=f"Jalon {i}", due_date=dt.date(2026, 6, 2), by=pm)
        book(project=org_a.project, engineer=engineer, start=dt.date(2026, 5, 18 + i), by=pm)
        document_add(
            client=org_a.client, name=f"d{i}.pdf", content=b"%PDF", by=pm, project="Migration"
        )
    many = count(list_url), count(detail_url)
    assert few == many
    assert many[0] <= 5 and many[1] <= 12


def test_renaming_a_project_keeps_its_shared_documents(settings, tmp_path, build_client, pm):
    from projects.documents import project_documents
    from projects.services import project_update

    settings.MEDIA_ROOT = tmp_path
    project = make_project(build_client, pm, name="Migration messagerie")
    mine = document_add(
        client=build_client, name="dat.pdf", content=b"%PDF", by=pm, project="migration MESSAGERIE"
    )
    other = document_add(
        client=build_client, name="autre.pdf", content=b"%PDF", by=pm, project="Autre projet"
    )
    project_update(project=project, by=pm, values={"name": "Migration Exchange Online"})
    assert list(project_documents(project)) == [mine]
    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.project, other.project) == ("Migration Exchange Online", "Autre projet")
