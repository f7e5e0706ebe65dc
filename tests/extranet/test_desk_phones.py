"""The extranet footer and the client mails give the desk's numbers (settings), and never
promise a phone call without a number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_the_footer_gives_the_support_and_on_call_numbers(contact_client, settings):
    settings.OCEANIS_SUPPORT_PHONE = "02 51 10 20 00"
    settings.OCEANIS_ONCALL_PHONE = "06 12 34 56 78"
    body = contact_client.get(reverse("extranet:home")).content.decode()
    footer = body.split('<footer class="xn-footer">')[1].split("</footer>")[0]
    assert "02 51 10 20 00" in footer and "06 12 34 56 78" in footer


def test_without_numbers_the_footer_promises_no_call(contact_client, settings):
    settings.OCEANIS_SUPPORT_PHONE = settings.OCEANIS_ONCALL_PHONE = ""
    body = contact_client.get(reverse("extranet:home")).content.decode()
    footer = body.split('<footer class="xn-footer">')[1].split("</footer>")[0]
    assert "téléphone" not in footer and "Appelez" not in footer


def test_client_mails_give_the_support_number(
    org_a, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.OCEANIS_SUPPORT_PHONE = "02 51 10 20 00"
    with django_capture_on_commit_callbacks(execute=True):
        make_ticket(client=org_a.client, contact=org_a.contact)
    mail = next(m for m in mailoutbox if org_a.contact.email in m.to)
    assert "02 51 10 20 00" in mail.body
    assert "02 51 10 20 00" in mail.alternatives[0][0]
