"""django-axes still locks out after repeated wrong passwords, before any second factor."""

from __future__ import annotations

import pytest
from django.test import Client

from .conftest import enrol_totp

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/login/", "/extranet/connexion/"])
def test_five_wrong_passwords_lock_the_account_even_with_a_factor(tech, url):
    enrol_totp(tech.user)
    browser = Client()
    for _i in range(5):
        browser.post(url, {"username": "alice", "password": "wrong"})
    locked = browser.post(url, {"username": "alice", "password": "secret-pass-123"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in browser.session
