""" "Mes facteurs": the list, new recovery codes, removing a factor after the password again;
each change ends the user's other sessions (logins.signals.credentials_changed)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.models import FactorEvent, FactorEventKind
from identity.services import VERIFIED_KEY
from tests.factories import TechnicianFactory

from .conftest import enrol_totp
from .test_reset import ended, verified  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_the_page_lists_the_factors_and_the_codes_left(client, tech, django_assert_num_queries):
    enrol_totp(tech.user)
    verified(client, tech.user)
    client.get(reverse("identity:factors"))
    # session, user, TOTP apps, passkeys, codes left, groups (the menu), journal
    with django_assert_num_queries(7):
        page = client.get(reverse("identity:factors")).content.decode()
    assert "Application d&#x27;authentification" in page or "Application d'authentification" in page
    assert "10 codes de secours restants" in page


def test_new_recovery_codes_replace_the_old_and_end_other_sessions(client, tech, ended):  # noqa: F811
    _device, old = enrol_totp(tech.user)
    verified(client, tech.user)
    response = client.post(reverse("identity:recovery_regenerate"))
    assert response["Location"] == reverse("identity:recovery_codes")
    shown = client.get(response["Location"]).content.decode()
    new = list(StaticToken.objects.filter(device__user=tech.user).values_list("token", flat=True))
    assert len(new) == 10 and all(code in shown for code in new)
    assert not set(old) & set(new)
    assert ended[-1][0] == tech.user.pk and ended[-1][1] is not None  # this session stays


def test_removing_a_factor_needs_the_password(client, tech, ended):  # noqa: F811
    device, _codes = enrol_totp(tech.user)
    verified(client, tech.user)
    url = reverse("identity:factor_remove")
    wrong = client.post(url, {"kind": "totp", "pk": device.pk, "password": "nope"}, follow=True)
    assert "Mot de passe incorrect" in wrong.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    right = client.post(
        url, {"kind": "totp", "pk": device.pk, "password": "secret-pass-123"}, follow=True
    )
    assert "Facteur supprimé" in right.content.decode()
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    assert not StaticToken.objects.filter(device__user=tech.user).exists()  # codes go too
    assert FactorEvent.objects.filter(kind=FactorEventKind.FACTOR_REMOVED).exists()
    assert ended[-1][0] == tech.user.pk


def test_staff_under_the_requirement_keep_their_last_factor(client, tech, require_2fa):
    device, _codes = enrol_totp(tech.user)
    verified(client, tech.user)
    response = client.post(
        reverse("identity:factor_remove"),
        {"kind": "totp", "pk": device.pk, "password": "secret-pass-123"},
        follow=True,
    )
    assert "obligatoire" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_nobody_removes_a_colleagues_factor(client, tech):
    device, _codes = enrol_totp(tech.user)
    bob = TechnicianFactory(user__username="bob")
    verified(client, bob.user)
    client.post(
        reverse("identity:factor_remove"),
        {"kind": "totp", "pk": device.pk, "password": "secret-pass-123"},
    )
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize(
    "data", [{}, {"kind": "sms", "pk": "1"}, {"kind": "totp", "pk": "-3", "password": "x"}]
)
def test_bad_input_is_a_message_never_a_500(client, tech, data):
    verified(client, tech.user)
    response = client.post(reverse("identity:factor_remove"), data)
    assert response.status_code == 302


def test_adding_a_second_app_keeps_the_session_verified_and_the_codes(client, tech):
    from identity import services

    from .conftest import code_of

    enrol_totp(tech.user)
    verified(client, tech.user)
    client.get(reverse("identity:totp_add"))
    second = services.totp_pending_device(user=tech.user)
    response = client.post(reverse("identity:totp_add"), {"code": code_of(second)})
    assert response["Location"] == reverse("identity:factors")
    assert TOTPDevice.objects.filter(user=tech.user, confirmed=True).count() == 2
    assert StaticToken.objects.filter(device__user=tech.user).count() == 10
    assert client.session[VERIFIED_KEY] == "totp"


def test_the_modules_menu_leads_to_the_page_and_marks_it(client, tech):
    verified(client, tech.user)
    home = client.get(reverse("home")).content.decode()
    assert reverse("identity:factors") in home
    page = client.get(reverse("identity:factors")).content.decode()
    assert "bo-more--current" in page
    assert f'href="{reverse("identity:factors")}" aria-current="true"' in page
