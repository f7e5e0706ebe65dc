"""Problem and change screens: permissions, transition buttons, approval, query counts, and the
planning selector the extranet uses."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from changes import services
from changes.models import ChangeRequest, Problem
from changes.selectors import planned_changes_for_client
from incidents.services import incident_create
from tests.factories import (
    ClientFactory,
    ContactFactory,
    TechnicianFactory,
    UserFactory,
    make_manager,
    make_ticket,
)

from .test_change_lifecycle import act, draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(technician):
    problem = services.problem_create(title="Coupures VPN", by=technician.user)
    change = draft(technician.user)
    return problem, change


def urls(problem, change):
    return [
        ("get", reverse("changes:problem_list")),
        ("get", reverse("changes:problem_create")),
        ("get", reverse("changes:problem_detail", args=[problem.pk])),
        ("get", reverse("changes:problem_edit", args=[problem.pk])),
        ("post", reverse("changes:problem_transition", args=[problem.pk])),
        ("get", reverse("changes:change_list")),
        ("get", reverse("changes:change_create")),
        ("get", reverse("changes:change_detail", args=[change.pk])),
        ("get", reverse("changes:change_edit", args=[change.pk])),
        ("post", reverse("changes:change_transition", args=[change.pk])),
    ]


def test_contacts_get_403_and_visitors_the_login_on_every_url(client, records):
    for method, url in urls(*records):
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    user = UserFactory(username="contact")
    ContactFactory(user=user)
    client.force_login(user)
    for method, url in urls(*records):
        assert getattr(client, method)(url).status_code == 403, url


def test_staff_open_every_url(client, records, technician):
    client.force_login(technician.user)
    for method, url in urls(*records):
        response = getattr(client, method)(url)
        assert response.status_code == (200 if method == "get" else 302), url


def test_the_problem_page_shows_only_the_allowed_transition_buttons(client, records, technician):
    problem, _change = records
    client.force_login(technician.user)
    page = client.get(reverse("changes:problem_detail", args=[problem.pk])).content.decode()
    assert 'data-action="start_analysis"' in page
    for action in ("declare_known_error", "resolve", "close", "reopen"):
        assert f'data-action="{action}"' not in page


def test_a_problem_moves_through_its_buttons_and_forbidden_posts_are_refused(
    client, records, technician
):
    problem, _change = records
    client.force_login(technician.user)
    url = reverse("changes:problem_transition", args=[problem.pk])
    response = client.post(url, {"action": "close"}, follow=True)
    assert "impossible" in response.content.decode()
    client.post(url, {"action": "start_analysis", "note": "On regarde"})
    problem.refresh_from_db()
    assert problem.state == Problem.State.ANALYSING
    assert problem.log.get().note == "On regarde"


def test_creating_a_problem_links_incidents_and_tickets(client, technician, client_org):
    incident = incident_create(title="Panne", by=technician.user)
    ticket = make_ticket(client=client_org)
    client.force_login(technician.user)
    response = client.post(
        reverse("changes:problem_create"),
        {"title": "Disques lents", "incidents": [incident.pk], "tickets": ticket.reference},
    )
    problem = Problem.objects.get(title="Disques lents")
    assert response.status_code == 302
    assert list(problem.incidents.all()) == [incident]
    assert list(problem.tickets.all()) == [ticket]


def test_the_approver_approves_from_the_change_page_and_others_get_403(client, technician):
    manager = make_manager()
    change = draft(technician.user)
    act(change, "submit", technician.user)
    url = reverse("changes:change_transition", args=[change.pk])

    client.force_login(TechnicianFactory().user)
    page = client.get(reverse("changes:change_detail", args=[change.pk])).content.decode()
    assert 'data-action="approve"' not in page
    assert client.post(url, {"action": "approve"}).status_code == 403

    client.force_login(manager.user)
    page = client.get(reverse("changes:change_detail", args=[change.pk])).content.decode()
    assert 'data-action="approve"' in page and 'data-action="reject"' in page
    assert 'data-action="schedule"' not in page
    client.post(url, {"action": "approve", "note": "OK pour samedi"})
    change.refresh_from_db()
    assert change.state == ChangeRequest.State.APPROVED
    assert change.approved_by == manager.user


def test_the_manager_sees_what_awaits_approval(client, technician):
    manager = make_manager()
    change = draft(technician.user)
    act(change, "submit", technician.user)
    client.force_login(manager.user)
    page = client.get(reverse("changes:change_list")).content.decode()
    assert "En attente de votre approbation" in page and change.reference in page
    client.force_login(technician.user)
    assert (
        "En attente de votre approbation"
        not in client.get(reverse("changes:change_list")).content.decode()
    )


def test_a_change_form_with_its_window_upside_down_is_refused(client, technician):
    client.force_login(technician.user)
    response = client.post(
        reverse("changes:change_create"),
        {
            "title": "Migration DNS",
            "change_type": "normal",
            "risk": "low",
            "planned_start": "2030-05-04T22:00",
            "planned_end": "2030-05-04T20:00",
        },
    )
    assert response.status_code == 200
    assert "La fin de la fenêtre doit suivre son début." in response.content.decode()
    assert not ChangeRequest.objects.exists()


def test_a_submitted_change_cannot_be_edited_any_more(client, technician):
    change = draft(technician.user)
    act(change, "submit", technician.user)
    client.force_login(technician.user)
    response = client.post(reverse("changes:change_edit", args=[change.pk]), {"title": "X"})
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.title == "Firmware pare-feu"


def test_the_lists_cost_a_fixed_number_of_queries(
    client, technician, client_org, django_assert_num_queries
):
    for n in range(5):
        problem = services.problem_create(
            title=f"P{n}", by=technician.user, owner=technician, tickets=[make_ticket()]
        )
        change = draft(technician.user, affected_clients=[client_org], problems=[problem])
    client.force_login(technician.user)
    # session, user, rows, and the shared top bar's manager check (Dispatch and Reports links)
    with django_assert_num_queries(4):
        assert client.get(reverse("changes:problem_list")).status_code == 200
    # session, user, rows, then "awaiting approval": manager check (groups) and its rows
    with django_assert_num_queries(5):
        page = client.get(reverse("changes:change_list")).content.decode()
    assert page.count(change.title) == 5


def test_planned_changes_show_scheduled_windows_of_the_client_only(technician):
    manager = make_manager()
    alpha, bravo = ClientFactory(), ClientFactory()
    start = timezone.now() + dt.timedelta(days=2)
    scheduled = draft(technician.user, affected_clients=[alpha], planned_start=start)
    for action in ("submit", "approve", "schedule"):
        act(scheduled, action, manager.user)
    approved_only = draft(technician.user, affected_clients=[alpha], planned_start=start)
    for action in ("submit", "approve"):
        act(approved_only, action, manager.user)
    other_client = draft(technician.user, affected_clients=[bravo], planned_start=start)
    for action in ("submit", "approve", "schedule"):
        act(other_client, action, manager.user)

    week = (start - dt.timedelta(days=1), start + dt.timedelta(days=6))
    assert list(planned_changes_for_client(alpha, *week)) == [scheduled]
    assert list(planned_changes_for_client(bravo, *week)) == [other_client]
    # Overlap, not containment: a window straddling the range start is in.
    assert list(planned_changes_for_client(alpha, start + dt.timedelta(hours=1), week[1])) == [
        scheduled
    ]
    assert list(planned_changes_for_client(alpha, start + dt.timedelta(hours=3), week[1])) == []


def test_each_action_is_confirmed_and_the_history_names_actions_as_the_buttons_do(
    client, technician
):
    manager = make_manager()
    change = draft(technician.user)
    client.force_login(technician.user)
    detail = reverse("changes:change_detail", args=[change.pk])
    url = reverse("changes:change_transition", args=[change.pk])
    page = client.post(url, {"action": "submit"}, follow=True).content.decode()
    assert "« Soumettre pour approbation » : c&#x27;est enregistré." in page
    client.force_login(manager.user)
    page = client.post(url, {"action": "approve", "note": "OK"}, follow=True).content.decode()
    assert "« Approuver » : c&#x27;est enregistré." in page
    history = client.get(detail).content.decode().split("Historique", 1)[1]
    assert "<td>Soumettre pour approbation</td>" in history and "<td>Approuver</td>" in history
    assert "<td>submit</td>" not in history and "<td>approve</td>" not in history
