"""Client contacts: an optional authenticator app; a client admin may require a second factor of
every contact of their organisation, and only of theirs; the extranet login gets the second
step like the staff one."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from identity import services
from identity.models import FactorEvent, FactorEventKind, OrganisationPolicy

from .conftest import code_of, enrol_totp, password_login

pytestmark = pytest.mark.django_db
LOGIN = "/extranet/connexion/"


def contact_login(username: str) -> Client:
    browser = Client()
    response = password_login(browser, username, LOGIN)
    assert response.status_code == 302, response.content
    return browser


def require(org_contacts, required=True):
    admin = contact_login("admin@acme.test")
    response = admin.post(
        reverse("extranet:security_organisation"), {"required": "on"} if required else {}
    )
    assert response.status_code == 302
    return admin


def test_two_factor_stays_optional_for_contacts(org_contacts):
    browser = contact_login("paul@acme.test")
    assert browser.get(reverse("extranet:home")).status_code == 200
    page = browser.get(reverse("extranet:security")).content.decode()
    assert "Activer la double authentification" in page
    assert "Règle de votre organisation" not in page  # not a client admin


def test_a_contact_adds_an_app_then_logs_in_with_it(org_contacts):
    browser = contact_login("paul@acme.test")
    browser.get(reverse("extranet:security_totp"))
    user = org_contacts["plain"].user
    device = services.totp_pending_device(user=user)
    response = browser.post(reverse("extranet:security_totp"), {"code": code_of(device)})
    assert response["Location"] == reverse("extranet:security_codes")
    assert browser.get(response["Location"]).content.decode().count("<li><code>") == 10

    again = contact_login("paul@acme.test")
    home = again.get(reverse("extranet:home"))
    assert home["Location"].startswith(reverse("extranet:security_verify"))
    ok = again.post(reverse("extranet:security_verify"), {"code": code_of(device, steps=1)})
    assert ok["Location"] == reverse("extranet:home")
    assert again.get(reverse("extranet:home")).status_code == 200


def test_a_client_admin_requires_it_for_their_organisation_only(org_contacts):
    admin = require(org_contacts)
    assert OrganisationPolicy.objects.get(client=org_contacts["acme"]).require_2fa
    event = FactorEvent.objects.get(kind=FactorEventKind.ORG_REQUIRED)
    assert event.actor_id == org_contacts["admin"].user.pk
    assert event.client_id_ref == org_contacts["acme"].pk
    assert "exigée" in admin.get(reverse("extranet:security")).content.decode()

    # Acme's contact without a factor: enrolment after the password, nothing else reachable.
    paul = contact_login("paul@acme.test")
    home = paul.get(reverse("extranet:home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("extranet:security_totp"))
    page = paul.get(home["Location"]).content.decode()
    assert "Votre organisation exige la double authentification" in page
    assert paul.get(reverse("extranet:history"))["Location"].startswith(
        reverse("extranet:security_totp")
    )
    # Globex's contact: unaffected.
    gina = contact_login("gina@globex.test")
    assert gina.get(reverse("extranet:home")).status_code == 200


def test_the_admin_themself_enrols_at_their_next_login(org_contacts):
    require(org_contacts)
    again = contact_login("admin@acme.test")
    assert again.get(reverse("extranet:home"))["Location"].startswith(
        reverse("extranet:security_totp")
    )


def test_a_plain_contact_cannot_set_the_rule(org_contacts):
    paul = contact_login("paul@acme.test")
    response = paul.post(reverse("extranet:security_organisation"), {"required": "on"})
    assert response.status_code == 403
    assert not OrganisationPolicy.objects.filter(require_2fa=True).exists()


def test_the_rule_can_be_lifted(org_contacts):
    admin = require(org_contacts)
    admin.post(reverse("extranet:security_organisation"), {})
    assert not OrganisationPolicy.objects.get(client=org_contacts["acme"]).require_2fa
    paul = contact_login("paul@acme.test")
    assert paul.get(reverse("extranet:home")).status_code == 200


def test_under_the_rule_a_contact_cannot_remove_their_last_factor(org_contacts):
    device, _codes = enrol_totp(org_contacts["plain"].user)
    require(org_contacts)
    paul = contact_login("paul@acme.test")
    paul.post(reverse("extranet:security_verify"), {"code": code_of(device, steps=1)})
    response = paul.post(
        reverse("extranet:security_remove"),
        {"kind": "totp", "pk": device.pk, "password": "secret-pass-123"},
        follow=True,
    )
    assert "obligatoire" in response.content.decode()
    device.refresh_from_db()


def test_a_staff_member_never_uses_the_extranet_pages(client, tech):
    client.force_login(tech.user)
    assert client.get(reverse("extranet:security"))["Location"] == reverse("home")
