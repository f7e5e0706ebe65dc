"""``seed_extranet_demo``: two client logins on top of seed_demo, idempotent, each scoped."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from clients.models import Contact
from tickets.management.commands.seed_demo import DEMO_PASSWORD
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_it_needs_seed_demo_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_extranet_demo")


def test_two_demo_contacts_log_in_and_each_sees_only_its_organisation(capsys):
    call_command("seed_demo", tickets=40)
    call_command("seed_extranet_demo")
    call_command("seed_extranet_demo")  # idempotent
    contacts = list(Contact.objects.filter(user__isnull=False).select_related("user", "client"))
    assert len(contacts) == 2
    out = capsys.readouterr().out
    shown_own = 0
    for contact in contacts:
        assert contact.user.get_username() in out
        browser = Client()
        response = browser.post(
            reverse("extranet:login"),
            {"username": contact.user.get_username(), "password": DEMO_PASSWORD},
        )
        assert response.status_code == 302
        home = browser.get(reverse("extranet:home")).content.decode()
        own = Ticket.objects.filter(client=contact.client).exclude(state="closed").first()
        other = Ticket.objects.exclude(client=contact.client).first()
        shown_own += own is not None and own.reference in home
        assert other.reference not in home
    assert shown_own >= 1
