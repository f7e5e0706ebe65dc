"""The provider over https: its certificate is always verified, against the system's CAs or the
PEM bundle OIDC_CA_BUNDLE names (a Keycloak behind a private CA)."""

from __future__ import annotations

import pytest
import trustme
from django.contrib.auth import SESSION_KEY

from tests.factories import TechnicianFactory

from .conftest import LocalProvider, point_at, provider_process, sso_login

pytestmark = pytest.mark.django_db

EMAIL = "julie.martin@oceanis.fr"


@pytest.fixture
def private_ca(tmp_path):
    ca = trustme.CA()
    served = tmp_path / "provider.pem"
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(served))
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    return served, bundle


@pytest.fixture
def https_provider(private_ca, settings):
    served, bundle = private_ca
    with provider_process("--tls-cert", str(served), "--tls-key", str(served)) as base:
        assert base.startswith("https://")
        point_at(settings, base)
        provider = LocalProvider(base, ca=str(bundle))
        provider.person(EMAIL)
        yield provider, str(bundle)


def test_a_provider_behind_a_private_ca_is_trusted_through_the_bundle(
    client, https_provider, settings
):
    provider, bundle = https_provider
    settings.OIDC_VERIFY_SSL = bundle
    julie = TechnicianFactory(user__email=EMAIL).user
    sso_login(client, provider, EMAIL)
    assert int(client.session[SESSION_KEY]) == julie.pk


def test_a_certificate_nobody_vouches_for_is_refused(client, https_provider):
    TechnicianFactory(user__email=EMAIL)
    response = client.get("/sso/login/")
    assert response.status_code == 502
    assert "injoignable" in response.content.decode()
    assert SESSION_KEY not in client.session
