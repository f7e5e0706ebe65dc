"""A password or second-factor change ends the user's other sessions, at every door."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse

from logins.models import LoginSession
from logins.signals import credentials_changed
from tests.factories import UserFactory
from tests.logins.conftest import browser, contact_login, staff_login

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Lagune-bleue-2030"


def _count(user) -> int:
    return LoginSession.objects.filter(user=user).count()


def test_changing_ones_own_password_in_the_admin_ends_the_other_sessions_only():
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    desk = staff_login(root)
    laptop = staff_login(root, address="198.51.100.20")

    response = desk.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    assert _count(root) == 1  # the rows of the others are gone, not left for later
    assert desk.get(reverse("logins:sessions")).status_code == 200
    assert laptop.get(reverse("logins:sessions")).status_code == 302


def test_an_administrator_resetting_a_technicians_password_ends_all_their_sessions(tech):
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = staff_login(root)
    desk = staff_login(tech)

    admin.post(
        reverse("admin:auth_user_password_change", args=[tech.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )

    assert _count(tech) == 0
    assert desk.get(reverse("logins:sessions")).status_code == 302
    assert admin.get(reverse("logins:sessions")).status_code == 200


def test_a_contacts_password_reset_ends_their_open_sessions(contact, other_contact):
    office = contact_login(contact)
    neighbour = contact_login(other_contact)
    lost = browser(address="198.51.100.77")
    lost.post(reverse("extranet:password_reset"), {"email": contact.email})
    path = re.search(r"https?://[^/\s]+(/extranet/mot-de-passe/\S+)", mail.outbox[0].body)[1]
    form_page = lost.get(path, follow=True)

    done = lost.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.status_code == 302
    assert _count(contact) == 0
    assert office.get(reverse("extranet:sessions")).status_code == 302
    assert neighbour.get(reverse("extranet:sessions")).status_code == 200


def test_the_changepassword_command_ends_the_users_sessions(tech, monkeypatch):
    desk = staff_login(tech)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)
    call_command("changepassword", tech.username, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _count(tech) == 0
    assert desk.get(reverse("logins:sessions")).status_code == 302


def test_credentials_changed_with_a_request_ends_the_others_and_keeps_it(tech):
    desk = staff_login(tech)
    laptop = staff_login(tech, address="198.51.100.20")
    request = RequestFactory().post("/")
    request.user = tech
    request.session = desk.session

    credentials_changed.send(sender=None, user=tech, request=request)

    assert _count(tech) == 1
    assert desk.get(reverse("logins:sessions")).status_code == 200
    assert laptop.get(reverse("logins:sessions")).status_code == 302


def test_credentials_changed_without_a_request_ends_every_session(tech, other_tech):
    desk = staff_login(tech)
    colleague = staff_login(other_tech)

    credentials_changed.send(sender=None, user=tech, request=None)

    assert _count(tech) == 0
    assert desk.get(reverse("logins:sessions")).status_code == 302
    assert colleague.get(reverse("logins:sessions")).status_code == 200


def test_a_manager_resetting_someones_factor_keeps_the_managers_own_session(tech, manager):
    boss = staff_login(manager.user)
    desk = staff_login(tech)
    request = RequestFactory().post("/")
    request.user = manager.user
    request.session = boss.session

    credentials_changed.send(sender=None, user=tech, request=request)

    assert desk.get(reverse("logins:sessions")).status_code == 302
    assert boss.get(reverse("logins:sessions")).status_code == 200


@pytest.mark.parametrize(
    ("login", "page", "probe"),
    [
        (staff_login, "logins:password_change", "logins:sessions"),
        (contact_login, "extranet:password_change", "extranet:sessions"),
    ],
    ids=["staff", "extranet"],
)
def test_changing_ones_password_on_the_page_ends_the_other_sessions_only(
    login, page, probe, request
):
    user = request.getfixturevalue("tech" if login is staff_login else "contact")
    here = login(user)
    elsewhere = login(user, address="198.51.100.20")

    response = here.post(
        reverse(page),
        {
            "old_password": "secret-pass-123",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse(probe)
    assert "vos autres sessions ont été fermées" in response.content.decode()
    assert _count(user) == 1
    assert here.get(reverse(probe)).status_code == 200
    assert elsewhere.get(reverse(probe)).status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_wrong_current_password_changes_and_ends_nothing(contact):
    here = contact_login(contact)
    contact_login(contact, address="198.51.100.20")
    response = here.post(
        reverse("extranet:password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    assert _count(contact) == 2
