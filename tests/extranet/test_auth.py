"""Login, invitation, password reset and lockout."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from extranet.services import contact_invite
from tests.extranet.conftest import PASSWORD
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD, **extra):
    return client.post(
        reverse("extranet:login"), {"username": username, "password": password}, **extra
    )


def test_a_contact_logs_in_with_their_email_and_lands_on_the_extranet(client, org_a):
    response = login(client, org_a.contact.user.username)
    assert response.status_code == 302 and response["Location"] == reverse("extranet:home")
    assert client.get(reverse("extranet:home")).status_code == 200


def test_staff_logging_in_on_the_extranet_go_to_the_back_office(client, tech):
    response = login(client, tech.user.username)
    assert response["Location"] == reverse("home")


def test_a_contact_is_never_sent_out_of_the_extranet_by_next(client, org_a):
    response = client.post(
        reverse("extranet:login") + "?next=/admin/",
        {"username": org_a.contact.user.username, "password": PASSWORD, "next": "/admin/"},
    )
    assert response["Location"] == reverse("extranet:home")


def test_an_account_without_contact_cannot_log_in_on_the_extranet(client):
    UserFactory(username="stranger")
    response = login(client, "stranger")
    assert response.status_code == 200
    assert "pas accès" in response.content.decode()


def test_five_failures_lock_the_account_out_for_this_address(org_a):
    browser = Client(REMOTE_ADDR="203.0.113.7")
    username = org_a.contact.user.username
    for _ in range(5):
        login(browser, username, "wrong-password")
    locked = login(browser, username)  # even the right password is refused now
    assert locked.status_code == 429
    assert "Trop de tentatives" in locked.content.decode()
    # Another address is not locked out (lockout is per username + IP).
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert login(other, username).status_code == 302


def test_the_lockout_expires_after_the_cool_off(org_a, settings):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    browser = Client(REMOTE_ADDR="203.0.113.8")
    username = org_a.contact.user.username
    for _ in range(5):
        login(browser, username, "wrong-password")
    assert login(browser, username).status_code == 429
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
        assert login(browser, username).status_code == 302


def test_admin_and_force_login_keep_working_with_the_lockout_backend(client, tech):
    from django.contrib.auth import authenticate

    tech.user.is_superuser = True
    tech.user.save()
    assert client.login(username=tech.user.username, password=PASSWORD)  # no request passed
    assert authenticate(username=tech.user.username, password=PASSWORD) == tech.user
    assert client.get("/admin/").status_code == 200


def _link(message) -> str:
    return re.search(r"https?://\S+/extranet/mot-de-passe/\S+/\S+/", message.body).group(0)


def test_inviting_a_contact_creates_their_login_and_emails_a_set_password_link(client):
    contact = ContactFactory(email="Marie.Durand@client.test", first_name="Marie")
    sent_to = contact_invite(contact=contact, base_url="https://desk.example.test")
    contact.refresh_from_db()
    user = contact.user
    assert sent_to == "marie.durand@client.test"
    assert user.username == "marie.durand@client.test" and not user.is_staff
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["marie.durand@client.test"]
    assert "Bonjour Marie" in message.body and "extranet" in message.subject
    link = _link(message)
    assert link.startswith("https://desk.example.test/extranet/mot-de-passe/")
    path = link.split("desk.example.test", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Lagune-bleue-2030", "new_password2": "Lagune-bleue-2030"},
    )
    assert done.status_code == 302
    assert login(Client(), "marie.durand@client.test", "Lagune-bleue-2030").status_code == 302
    # The link is single-use.
    assert not client.get(path, follow=True).context["validlink"]


def test_an_invitation_never_takes_over_a_staff_account(tech):
    contact = ContactFactory(email=tech.user.username)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        contact_invite(contact=contact, base_url="http://x")
    assert not mail.outbox


def test_the_invite_command_reports_errors_and_sends_the_mail():
    ContactFactory(email="paul@client.test")
    call_command("invite_contact", "PAUL@client.test", "--base-url", "https://desk.test")
    assert len(mail.outbox) == 1 and "https://desk.test/extranet/" in mail.outbox[0].body
    with pytest.raises(CommandError, match="Aucun contact"):
        call_command("invite_contact", "nobody@client.test")
    ContactFactory(email="")
    ContactFactory(email="dup@client.test")
    ContactFactory(email="dup@client.test")
    with pytest.raises(CommandError, match="Plusieurs contacts"):
        call_command("invite_contact", "dup@client.test")


def test_the_admin_action_invites_the_selected_contacts(client):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    ok = ContactFactory(email="ok@client.test")
    no_email = ContactFactory(email="")
    client.force_login(admin)
    response = client.post(
        reverse("admin:clients_contact_changelist"),
        {"action": "invite_to_extranet", "_selected_action": [ok.pk, no_email.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.to for m in mail.outbox] == [["ok@client.test"]]
    text = response.content.decode()
    assert "1 invitation(s) envoyée(s)" in text and "adresse e-mail" in text


def test_password_reset_mails_contacts_but_never_staff(client, org_a, tech):
    client.post(reverse("extranet:password_reset"), {"email": org_a.contact.user.email})
    assert len(mail.outbox) == 1
    assert "/extranet/mot-de-passe/" in mail.outbox[0].body
    client.post(reverse("extranet:password_reset"), {"email": tech.user.email})
    response = client.post(reverse("extranet:password_reset"), {"email": "nobody@x.test"})
    assert response.status_code == 302  # same answer whether the address exists or not
    assert len(mail.outbox) == 1


def test_an_invited_contact_who_lost_the_mail_can_use_forgot_password(client):
    contact = ContactFactory(email="lost@client.test")
    contact_invite(contact=contact, base_url="http://x")
    client.post(reverse("extranet:password_reset"), {"email": "lost@client.test"})
    assert len(mail.outbox) == 2


def test_logout_goes_back_to_the_extranet_login(contact_client):
    response = contact_client.post(reverse("extranet:logout"))
    assert response["Location"] == reverse("extranet:login")
    assert get_user_model().objects.exists()


def test_the_invite_command_builds_links_on_the_configured_public_address(settings):
    settings.OCEANIS_BASE_URL = "https://support.oceanis.example"
    ContactFactory(email="lea@client.test")
    call_command("invite_contact", "lea@client.test")
    assert "https://support.oceanis.example/extranet/mot-de-passe/" in mail.outbox[0].body
