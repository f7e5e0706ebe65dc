"""Staff pages: access, forms, lifecycle buttons, capacity grid, booking form, query counts."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects import capacity as capacity_module
from projects.booking import book
from projects.links import ticket_link_project
from projects.models import (
    Absence,
    Booking,
    Deliverable,
    EventKind,
    Milestone,
    Project,
    ProvisioningTask,
    State,
    TicketProject,
)
from projects.services import milestone_add
from tests.factories import (
    ClientFactory,
    ContactFactory,
    TechnicianFactory,
    UserFactory,
    make_manager,
    make_ticket,
)

from .conftest import RUN_TERMS, make_project

TODAY = dt.datetime(2026, 5, 6, 10, 0, tzinfo=dt.UTC)  # Wednesday, week 19


@pytest.fixture(autouse=True)
def _fixed_clock_and_no_rotation(monkeypatch):
    monkeypatch.setattr(capacity_module, "on_call_periods", lambda ids, start, end: {})
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def pm_client(client, pm):
    client.force_login(pm)
    return client


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


# --- access ------------------------------------------------------------------------------------


def staff_urls(project, ticket):
    return [
        ("get", reverse("projects:list")),
        ("get", reverse("projects:create")),
        ("get", reverse("projects:capacity")),
        ("get", reverse("projects:detail", args=[project.pk])),
        ("get", reverse("projects:edit", args=[project.pk])),
        ("post", reverse("projects:transition", args=[project.pk])),
        ("post", reverse("projects:milestone_add", args=[project.pk])),
        ("post", reverse("projects:deliverable_add", args=[project.pk])),
        ("post", reverse("projects:task_add", args=[project.pk])),
        ("get", reverse("projects:ticket", args=[ticket.pk])),
        ("post", reverse("projects:ticket_link", args=[ticket.pk])),
        ("post", reverse("projects:ticket_escalate", args=[ticket.pk])),
    ]


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page(client, project):
    response = client.get(reverse("projects:capacity"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.django_db
def test_client_contacts_get_403_on_every_staff_url(client, project):
    ticket = make_ticket(client=project.client)
    contact = ContactFactory(client=project.client, user=UserFactory(username="dsi"))
    client.force_login(contact.user)
    for method, url in staff_urls(project, ticket):
        assert getattr(client, method)(url).status_code == 403, url
    assert project.events.count() == 1  # nothing happened


@pytest.mark.django_db
def test_staff_who_do_not_drive_the_project_may_read_but_not_act(client, project):
    client.force_login(UserFactory(username="curieux", is_staff=True))
    assert client.get(reverse("projects:detail", args=[project.pk])).status_code == 200
    url = reverse("projects:transition", args=[project.pk])
    assert client.post(url, {"action": "plan"}).status_code == 403
    assert client.get(reverse("projects:edit", args=[project.pk])).status_code == 403
    project.refresh_from_db()
    assert project.state == State.ORDERED


# --- list and detail -----------------------------------------------------------------------------


def populate(build_client, pm, count):
    for i in range(count):
        project = make_project(build_client, pm, name=f"Projet {i}")
        milestone_add(project=project, name="Kick-off", due_date=dt.date(2026, 5, 1), by=pm)


@pytest.mark.django_db
def test_the_project_list_takes_the_same_queries_for_2_or_8_projects(pm_client, build_client, pm):
    populate(build_client, pm, 2)
    few = queries(pm_client, reverse("projects:list"))
    for i in range(2, 8):
        project = make_project(build_client, pm, name=f"Projet {i}")
        milestone_add(project=project, name="Recette", due_date=dt.date(2026, 6, 1), by=pm)
    many = queries(pm_client, reverse("projects:list"))
    assert few == many <= 4
    page = pm_client.get(reverse("projects:list")).content.decode()
    assert page.count('href="/projects/') >= 8 and "0/1" in page


@pytest.mark.django_db
def test_the_list_filters_by_state_kind_and_my_projects(pm_client, build_client, pm):
    make_project(build_client, pm, name="VPN Nantes")
    other_pm = UserFactory(username="cdp2", is_staff=True)
    make_project(build_client, other_pm, name="Baie Angers", kind="colocation")
    closed = make_project(build_client, pm, name="Ancien projet")
    Project.objects.filter(pk=closed.pk).update(state=State.CLOSED)
    page = pm_client.get(reverse("projects:list")).content.decode()
    assert "VPN Nantes" in page and "Baie Angers" in page and "Ancien projet" not in page
    page = pm_client.get(reverse("projects:list"), {"state": "all", "mine": "1"}).content.decode()
    assert "Ancien projet" in page and "Baie Angers" not in page
    page = pm_client.get(reverse("projects:list"), {"kind": "colocation"}).content.decode()
    assert "Baie Angers" in page and "VPN Nantes" not in page


@pytest.mark.django_db
def test_the_detail_page_shows_everything_in_a_fixed_number_of_queries(
    pm_client, project, pm, engineer, other_engineer
):
    def add_some(n):
        for i in range(n):
            milestone_add(
                project=project, name=f"Jalon {n}-{i}", due_date=dt.date(2026, 6, i + 1), by=pm
            )
            Deliverable.objects.create(project=project, name=f"Livrable {n}-{i}")
            ProvisioningTask.objects.create(
                project=project, title=f"Tâche {n}-{i}", category="network", assignee=engineer
            )
            link = make_ticket(client=project.client, title=f"Demande {n}-{i}")
            ticket_link_project(ticket=link, project=project, by=pm)
        for who in (engineer, other_engineer)[: 1 if n == 1 else 2]:
            book(project=project, engineer=who, start=dt.date(2026, 5, 18 + n), by=pm)

    add_some(1)
    url = reverse("projects:detail", args=[project.pk])
    few = queries(pm_client, url)
    add_some(3)
    many = queries(pm_client, url)
    assert few == many
    page = pm_client.get(url).content.decode()
    assert "Jalon 3-2" in page and "Tâche 3-2" in page and "Demande 3-2" in page
    assert "Claire Fontaine" in page and "Hugo Chevalier" in page


# --- create, edit, lifecycle ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_project_is_created_from_its_purchase_order(pm_client, build_client, pm):
    response = pm_client.post(
        reverse("projects:create"),
        {
            "client": build_client.pk,
            "name": "Connectivité fibre 1 Gb/s",
            "kind": "connectivity",
            "po_reference": "BC-2026-117",
            "po_date": "2026-05-04",
            "project_manager": pm.pk,
            "target_go_live": "2026-07-01",
        },
    )
    project = Project.objects.get(name="Connectivité fibre 1 Gb/s")
    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/"
    assert project.state == State.ORDERED and project.po_reference == "BC-2026-117"
    assert project.events.get().kind == EventKind.CREATED


@pytest.mark.django_db
def test_an_invalid_project_form_says_what_is_missing_and_keeps_the_input(pm_client, build_client):
    response = pm_client.post(
        reverse("projects:create"),
        {"client": build_client.pk, "name": "", "kind": "vpn", "po_reference": "BC-9"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ce champ est obligatoire." in page and 'value="BC-9"' in page
    assert not Project.objects.exists()


@pytest.mark.django_db
def test_the_run_terms_are_captured_on_the_edit_page(pm_client, project, pm):
    referent = TechnicianFactory(user__username="ref")
    data = {
        "name": project.name,
        "kind": project.kind,
        "project_manager": pm.pk,
        "run_referent": referent.pk,
        **{k: str(v) for k, v in RUN_TERMS.items()},
    }
    response = pm_client.post(reverse("projects:edit", args=[project.pk]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.run_referent == referent and project.run_gti_critical_minutes == 30
    assert project.events.filter(kind=EventKind.UPDATED).exists()


@pytest.mark.django_db
def test_lifecycle_buttons_move_the_project_and_refusals_are_explained(pm_client, project):
    url = reverse("projects:transition", args=[project.pk])
    assert pm_client.post(url, {"action": "plan"}).status_code == 302
    project.refresh_from_db()
    assert project.state == State.PLANNING
    response = pm_client.post(url, {"action": "close"})
    assert response.status_code == 400
    assert "Action « Clôturer » impossible" in response.content.decode()
    response = pm_client.post(url, {"action": "hold", "note": ""})
    assert response.status_code == 400 and "Indiquez le motif." in response.content.decode()
    Project.objects.filter(pk=project.pk).update(state=State.ACCEPTANCE)
    response = pm_client.post(url, {"action": "go_live"})
    assert response.status_code == 400
    assert "termes du contrat RUN à renseigner" in response.content.decode()


@pytest.mark.django_db
def test_milestones_deliverables_and_tasks_are_managed_from_the_detail_page(
    pm_client, project, engineer
):
    detail = reverse("projects:detail", args=[project.pk])
    pm_client.post(
        reverse("projects:milestone_add", args=[project.pk]),
        {"milestone-name": "Recette client", "milestone-due_date": "2026-06-15"},
    )
    milestone = Milestone.objects.get(name="Recette client")
    pm_client.post(reverse("projects:milestone_complete", args=[milestone.pk]))
    milestone.refresh_from_db()
    assert milestone.completed_at is not None
    response = pm_client.post(
        reverse("projects:milestone_add", args=[project.pk]), {"milestone-name": "Sans date"}
    )
    assert response.status_code == 400
    pm_client.post(
        reverse("projects:deliverable_add", args=[project.pk]),
        {"deliverable-name": "Dossier d'architecture", "deliverable-status": "planned"},
    )
    deliverable = Deliverable.objects.get()
    pm_client.post(
        reverse("projects:deliverable_update", args=[deliverable.pk]),
        {"status": "delivered", "document_url": "https://docs.example/dat.pdf"},
    )
    deliverable.refresh_from_db()
    assert deliverable.status == "delivered"
    pm_client.post(
        reverse("projects:task_add", args=[project.pk]),
        {"task-title": "Pare-feu", "task-category": "network", "task-assignee": engineer.pk},
    )
    task = ProvisioningTask.objects.get()
    pm_client.post(reverse("projects:task_update", args=[task.pk]), {"status": "done"})
    task.refresh_from_db()
    assert task.status == "done" and task.assignee == engineer
    assert pm_client.get(detail).status_code == 200


# --- capacity and booking ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_capacity_grid_shows_booked_over_available_and_flags_overbooking(
    client, project, engineer, other_engineer, pm
):
    Absence.objects.create(
        technician=engineer, start=dt.date(2026, 5, 11), end=dt.date(2026, 5, 12)
    )
    manager = make_manager().user
    book(
        project=project,
        engineer=engineer,
        start=dt.date(2026, 5, 11),
        end=dt.date(2026, 5, 13),
        by=manager,
        force=True,
    )
    client.force_login(pm)
    page = client.get(reverse("projects:capacity")).content.decode()
    # Week 20 (11 May): 10 − 2 (Ascension) − 4 (leave) = 4 available, 6 booked.
    cell = re.search(
        rf'<td class="([^"]+)" title="([^"]+)" data-week="2026-05-11" '
        rf'data-engineer="{engineer.pk}">(.*?)</td>',
        page,
        re.S,
    )
    assert cell.group(1) == "cap cap-over"
    assert cell.group(2) == (
        "10 demi-journées ouvrées − 2 férié − 4 absence = 4 disponibles, 6 réservées"
    )
    assert "6 / 4" in cell.group(3) and "+2 surréservé" in cell.group(3)
    assert "S19" in page and "S26" in page and "S27" not in page  # 8 weeks from this one


@pytest.mark.django_db
def test_the_capacity_grid_takes_the_same_queries_for_2_or_6_engineers(client, project, pm):
    client.force_login(pm)
    for _n in range(2):
        TechnicianFactory(team="build")
    few = queries(client, reverse("projects:capacity"))
    for _n in range(4):
        tech = TechnicianFactory(team="build")
        book(project=project, engineer=tech, start=dt.date(2026, 5, 18), by=pm)
    many = queries(client, reverse("projects:capacity"))
    assert few == many <= 9


@pytest.mark.django_db
def test_booking_from_the_capacity_page(pm_client, project, engineer):
    response = pm_client.post(
        reverse("projects:capacity"),
        {
            "engineer": engineer.pk,
            "project": project.pk,
            "start": "2026-05-18",
            "end": "2026-05-20",
            "half": "day",
        },
    )
    assert response.status_code == 302
    assert Booking.objects.filter(engineer=engineer).count() == 3


@pytest.mark.django_db
def test_an_overbooking_is_refused_with_its_reasons_and_only_managers_see_the_force_box(
    client, pm, project, engineer
):
    Absence.objects.create(
        technician=engineer, start=dt.date(2026, 5, 18), end=dt.date(2026, 5, 18)
    )
    data = {"engineer": engineer.pk, "project": project.pk, "start": "2026-05-18", "half": "am"}
    client.force_login(pm)
    response = client.post(reverse("projects:capacity"), data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Surréservation refusée pour Claire Fontaine" in page
    assert "lundi 18/05/2026 matin : indisponible, absence (Congés)." in page
    assert "Seul un responsable peut forcer une surréservation." in page
    assert 'name="force"' not in page
    response = client.post(reverse("projects:capacity"), {**data, "force": "on"})
    assert not Booking.objects.exists()  # the field is not even offered to a project manager

    client.force_login(make_manager().user)
    page = client.post(reverse("projects:capacity"), data).content.decode()
    assert 'name="force"' in page and "vous pouvez cocher « Forcer la surréservation »" in page
    response = client.post(reverse("projects:capacity"), {**data, "force": "on", "note": "Urgent"})
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.forced and booking.note == "Urgent"
    assert project.events.filter(kind=EventKind.FORCED_BOOKING).exists()


@pytest.mark.django_db
def test_a_booking_is_removed_from_the_project_page(pm_client, project, engineer, pm):
    (made,) = book(project=project, engineer=engineer, start=dt.date(2026, 5, 18), by=pm)
    response = pm_client.post(reverse("projects:booking_delete", args=[made.pk]))
    assert response.status_code == 302 and response.url == f"/projects/{project.pk}/"
    assert not Booking.objects.exists()


# --- ticket page ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_ticket_page_links_a_project_and_escalates_to_a_build_engineer(
    pm_client, project, engineer
):
    ticket = make_ticket(client=project.client, equipment="VPN inter-sites")
    url = reverse("projects:ticket", args=[ticket.pk])
    page = pm_client.get(url).content.decode()
    assert "correspond au projet « VPN inter-sites »" in page
    assert "Claire Fontaine – 8 demi-journée(s) libre(s) cette semaine" in page
    response = pm_client.post(
        reverse("projects:ticket_link", args=[ticket.pk]), {"project": project.pk}
    )
    assert response.status_code == 302 and ticket.project_link.project == project
    response = pm_client.post(
        reverse("projects:ticket_escalate", args=[ticket.pk]),
        {"engineer": engineer.pk, "reason": "Routage BGP"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3 and ticket.resolver == engineer
    response = pm_client.post(
        reverse("projects:ticket_escalate", args=[ticket.pk]), {"engineer": engineer.pk}
    )
    assert response.status_code == 400 and "Ce champ est obligatoire." in response.content.decode()


@pytest.mark.django_db
def test_another_clients_project_cannot_be_picked_for_a_ticket(pm_client, project, pm):
    ticket = make_ticket(client=ClientFactory())
    response = pm_client.post(
        reverse("projects:ticket_link", args=[ticket.pk]), {"project": project.pk}
    )
    assert response.status_code == 400
    assert not TicketProject.objects.exists()
