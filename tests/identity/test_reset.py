"""A manager (or the deputy) resets a technician's factors, from the back-office and from the
admin; a technician cannot. Each reset is logged (who, when, whom), ends the technician's
sessions and tells them by mail."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import FactorEvent, FactorEventKind
from identity.services import VERIFIED_KEY
from logins.signals import credentials_changed
from oceanis.models import ImmutableEventError
from tests.factories import TechnicianFactory, make_manager

from .conftest import enrol_totp

pytestmark = pytest.mark.django_db


def verified(client, user):
    client.force_login(user)
    session = client.session
    session[VERIFIED_KEY] = "totp"
    session.save()
    return client


@pytest.fixture
def ended():
    calls = []

    def receiver(sender, user, request, **kwargs):
        calls.append((user.pk, request))

    credentials_changed.connect(receiver, dispatch_uid="test-identity-ended")
    yield calls
    credentials_changed.disconnect(dispatch_uid="test-identity-ended")


@pytest.mark.parametrize("deputy", [False, True])
def test_a_manager_resets_a_technicians_factors(
    client, tech, ended, deputy, django_capture_on_commit_callbacks
):
    enrol_totp(tech.user)
    boss = make_manager("deputy" if deputy else "manager", deputy=deputy)
    verified(client, boss.user)
    assert reverse("identity:team") in client.get(reverse("identity:factors")).content.decode()
    page = client.get(reverse("identity:team")).content.decode()
    assert reverse("identity:reset", args=[tech.user.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("identity:reset", args=[tech.user.pk]), follow=True)
    assert response.status_code == 200
    assert "réinitialisés" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=tech.user).exists()
    assert not StaticDevice.objects.filter(user=tech.user).exists()
    event = FactorEvent.objects.get(kind=FactorEventKind.RESET)
    assert (event.actor_id, event.subject_id) == (boss.user.pk, tech.user.pk)
    assert event.actor_name == boss.user.username and event.subject_name == "alice"
    assert event.at is not None
    assert (tech.user.pk, None) in ended  # every session of the technician ends
    assert mail.outbox[-1].to == ["alice@oceanis.test"]
    assert "réinitialisé" in mail.outbox[-1].subject


def test_a_technician_cannot_reset_a_colleague(client, tech):
    enrol_totp(tech.user)
    bob = TechnicianFactory(user__username="bob")
    verified(client, bob.user)
    assert reverse("identity:team") not in client.get(reverse("identity:factors")).content.decode()
    assert client.get(reverse("identity:team")).status_code == 403
    assert client.post(reverse("identity:reset", args=[tech.user.pk])).status_code == 403
    assert TOTPDevice.objects.filter(user=tech.user, confirmed=True).exists()
    assert not FactorEvent.objects.filter(kind=FactorEventKind.RESET).exists()


def test_the_reset_journal_is_append_only(client, tech):
    enrol_totp(tech.user)
    event = FactorEvent.objects.first()
    event.detail = "rewritten"
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.delete()


def test_a_manager_resets_from_the_admin(client, tech, ended):
    enrol_totp(tech.user)
    boss = make_manager()
    boss.user.is_superuser = True  # the admin's other pages; the action asks the policy
    boss.user.save()
    verified(client, boss.user)
    url = reverse("admin:identity_stafffactors_changelist")
    listing = client.get(url)
    assert listing.status_code == 200 and "alice" in listing.content.decode()
    response = client.post(
        url, {"action": "reset_factors", "_selected_action": [tech.user.pk]}, follow=True
    )
    assert response.status_code == 200
    assert not TOTPDevice.objects.filter(user=tech.user).exists()
    assert FactorEvent.objects.filter(kind=FactorEventKind.RESET, actor_id=boss.user.pk).exists()


def test_a_technician_with_admin_access_cannot_reset_there(client, tech):
    enrol_totp(tech.user)
    bob = TechnicianFactory(user__username="bob")
    from django.contrib.auth.models import Permission

    bob.user.user_permissions.add(*Permission.objects.filter(codename__endswith="stafffactors"))
    verified(client, bob.user)
    url = reverse("admin:identity_stafffactors_changelist")
    assert client.get(url).status_code == 403
    client.post(url, {"action": "reset_factors", "_selected_action": [tech.user.pk]})
    assert TOTPDevice.objects.filter(user=tech.user, confirmed=True).exists()


def test_the_devices_cannot_be_edited_around_the_services_in_the_admin(admin_client):
    for model in ("otp_totp/totpdevice", "otp_static/staticdevice"):
        assert admin_client.get(f"/admin/{model}/").status_code == 404


def test_after_a_reset_the_technician_enrols_again(client, tech, require_2fa):
    enrol_totp(tech.user)
    from identity import services

    services.factors_reset(user=tech.user, by=make_manager().user)
    client.post("/login/", {"username": "alice", "password": "secret-pass-123"})
    response = client.get("/")
    assert response["Location"].startswith(reverse("identity:totp_add"))


def test_the_team_page_pins_its_queries(client, django_assert_num_queries):
    boss = make_manager()
    for i in range(5):
        person = TechnicianFactory(user__username=f"t{i}")
        if i % 2:
            enrol_totp(person.user)
    verified(client, boss.user)
    client.get(reverse("identity:team"))
    # session, user, groups (policy), the overview, the journal
    with django_assert_num_queries(5):
        response = client.get(reverse("identity:team"))
    assert response.status_code == 200
