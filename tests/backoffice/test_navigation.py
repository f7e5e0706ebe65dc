"""The back-office reaches every staff module; reports only for the manager."""

import pytest
from django.urls import reverse

from tests.factories import make_ticket

MODULES = [
    "incidents:list",
    "changes:change_list",
    "shifts:handover",
    "oncall:now",
    "projects:list",
]


@pytest.mark.django_db
def test_technicians_see_the_staff_modules_but_not_reports(client, technician):
    client.force_login(technician.user)
    body = client.get(reverse("home")).content.decode()
    for name in MODULES:
        assert reverse(name) in body
    assert reverse("reports:index") not in body


@pytest.mark.django_db
def test_the_manager_also_reaches_reports(client, manager):
    client.force_login(manager.user)
    assert reverse("reports:index") in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_the_ticket_page_links_to_its_build_project_page(client, technician):
    ticket = make_ticket()
    client.force_login(technician.user)
    body = client.get(reverse("backoffice:ticket", args=[ticket.reference])).content.decode()
    assert reverse("projects:ticket", args=[ticket.pk]) in body
