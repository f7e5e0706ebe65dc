"""The project list's filters (django-filter): a bad state or kind is reported on the page and
ignored — the list falls back to the projects in progress — never a 500."""

import pytest
from django.urls import reverse

from projects.models import Project, State
from tests.factories import UserFactory
from tests.projects.conftest import make_project

INVALID = "Certains filtres sont invalides et ont été ignorés."


@pytest.fixture
def pm_client(client, pm):
    client.force_login(pm)
    return client


@pytest.fixture
def projects(build_client, pm):
    make_project(build_client, pm, name="VPN Nantes")
    make_project(
        build_client,
        UserFactory(username="cdp2", is_staff=True),
        name="Baie Angers",
        kind="colocation",
    )
    closed = make_project(build_client, pm, name="Ancien projet")
    Project.objects.filter(pk=closed.pk).update(state=State.CLOSED)


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"state": "nimporte"}, {"kind": "nimporte"}])
def test_a_bad_filter_is_reported_and_the_list_shows_the_projects_in_progress(
    pm_client, projects, params
):
    response = pm_client.get(reverse("projects:list"), params)
    assert response.status_code == 200
    page = response.content.decode()
    assert INVALID in page
    assert "VPN Nantes" in page and "Baie Angers" in page and "Ancien projet" not in page


@pytest.mark.django_db
def test_a_valid_filter_beside_a_bad_one_still_applies(pm_client, projects):
    page = pm_client.get(
        reverse("projects:list"), {"state": "all", "kind": "nimporte", "mine": "1"}
    ).content.decode()
    assert INVALID in page
    assert "Ancien projet" in page and "Baie Angers" not in page


@pytest.mark.django_db
def test_a_closed_state_lists_the_closed_projects_only(pm_client, projects):
    page = pm_client.get(reverse("projects:list"), {"state": "closed"}).content.decode()
    assert INVALID not in page
    assert "Ancien projet" in page and "VPN Nantes" not in page
