"""Codes: an authenticator-app code is accepted once, a recovery code once, wrong codes slow the
next attempts down; the login's second step through the staff and extranet pages."""

from __future__ import annotations

from django.urls import reverse

from identity import services
from identity.models import FactorEvent, FactorEventKind

from .conftest import code_of, enrol_totp, later, password_login


def test_a_valid_code_is_accepted_and_a_wrong_one_refused(tech):
    device, _codes = enrol_totp(tech.user)
    wrong = "000000" if code_of(device, steps=1) != "000000" else "111111"
    assert services.second_factor_verify(user=tech.user, code=wrong) is None
    with later(30):
        assert services.second_factor_verify(user=tech.user, code=code_of(device)) == "totp"


def test_a_code_cannot_be_replayed(tech):
    device, _codes = enrol_totp(tech.user)
    code = code_of(device, steps=1)
    assert services.second_factor_verify(user=tech.user, code=code) == "totp"
    assert services.second_factor_verify(user=tech.user, code=code) is None
    # Nor an older one once a newer step was used.
    assert services.second_factor_verify(user=tech.user, code=code_of(device)) is None


def test_the_code_spent_at_enrolment_cannot_log_in(tech):
    device, _codes = enrol_totp(tech.user)
    assert services.second_factor_verify(user=tech.user, code=code_of(device)) is None


def test_a_recovery_code_works_once(tech):
    _device, codes = enrol_totp(tech.user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert services.second_factor_verify(user=tech.user, code=codes[0].upper()) == "recovery"
    assert services.second_factor_verify(user=tech.user, code=codes[0]) is None
    with later(60):
        assert services.second_factor_verify(user=tech.user, code=codes[1]) == "recovery"


def test_wrong_codes_throttle_even_the_right_one(tech):
    device, _codes = enrol_totp(tech.user)
    for _i in range(3):
        services.second_factor_verify(user=tech.user, code="12345a")  # not digits: recovery
        services.second_factor_verify(user=tech.user, code="999999")
    assert services.verification_throttled(user=tech.user)
    assert services.second_factor_verify(user=tech.user, code=code_of(device, steps=1)) is None


def test_staff_login_asks_for_the_code_then_lets_in(client, tech):
    device, _codes = enrol_totp(tech.user)
    response = password_login(client, "alice")
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home["Location"].startswith(reverse("identity:verify"))
    page = client.get(home["Location"])
    assert "Double authentification" in page.content.decode()

    wrong = client.post(reverse("identity:verify"), {"code": "000001", "next": "/"})
    assert wrong.status_code == 200 and "Code incorrect" in wrong.content.decode()
    with later(30):
        ok = client.post(reverse("identity:verify"), {"code": code_of(device), "next": "/"})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.session[services.VERIFIED_KEY] == "totp"
    assert client.get(reverse("home")).status_code == 200


def test_the_verify_page_never_redirects_off_site(client, tech):
    _device, codes = enrol_totp(tech.user)
    password_login(client, "alice")
    response = client.post(
        reverse("identity:verify"), {"code": codes[0], "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_recovery_code_logs_in_and_says_how_many_are_left(client, tech):
    _device, codes = enrol_totp(tech.user)
    password_login(client, "alice")
    response = client.post(reverse("identity:verify"), {"code": codes[3]}, follow=True)
    assert response.status_code == 200
    assert "il vous en reste 9" in response.content.decode()
    assert client.session[services.VERIFIED_KEY] == "recovery"


def test_garbage_input_is_a_form_error_never_a_500(client, tech):
    enrol_totp(tech.user)
    password_login(client, "alice")
    for code in ("", "x" * 40, "١٢٣٤٥٦", "12 34 56", "\x00"):
        response = client.post(reverse("identity:verify"), {"code": code})
        assert response.status_code == 200, code


def test_enrolment_is_logged_with_who_and_when(tech):
    enrol_totp(tech.user)
    kinds = set(FactorEvent.objects.filter(subject_id=tech.user.pk).values_list("kind", flat=True))
    assert kinds == {FactorEventKind.TOTP_ADDED, FactorEventKind.RECOVERY_GENERATED}
